using System.Text.Json.Serialization;

namespace MpiDescent.Data;

/// <summary>Serialization metadata generated at compile time for the data cache's stamp (reflection-based
/// serialization is off for the program: a type without metadata fails loudly).</summary>
[JsonSerializable(typeof(TextDataCache.Stamp))]
internal sealed partial class DataCacheJsonContext : JsonSerializerContext;
