using System.Text.Json.Serialization;
using MpiDescent.Planning;

namespace MpiDescent.Output;

/// <summary>Serialization metadata generated at compile time for every JSON file MpiDescent writes or reads (model,
/// status, checkpoint, report, plan, <c>generate</c>'s truth, <c>bench</c>'s result; the data cache's stamp has its
/// own context in Data), so that the first file a run writes costs no reflection over its types (the status and model
/// files of a small job together 27 ms sooner, measured; docs/performance.md). Reflection-based serialization is off
/// for the program (<c>JsonSerializerIsReflectionEnabledByDefault</c>): a type missing here fails at its first write
/// instead of being serialized by reflection (or, in a Native AOT build, written as an empty object).</summary>
[JsonSerializable(typeof(RunStatus))]
[JsonSerializable(typeof(ModelFile))]
[JsonSerializable(typeof(CheckpointFile))]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(PlanFile))]
[JsonSerializable(typeof(SyntheticTruth))]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class JsonContext : JsonSerializerContext;
