using System.Text.Json;
using System.Text.Json.Serialization;

namespace MpiDescent.Output;

/// <summary>The JSON settings of every file MpiDescent writes (doubles are written round-trip exact).</summary>
public static class Json
{
    /// <summary>Indented camelCase JSON, enums as strings.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options) + "\n");
}
