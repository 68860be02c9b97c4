using System.Text.Json.Serialization;
using MpiDescent.Planning;

namespace MpiDescent.Output;

/// <summary>Serialization metadata generated at compile time for the files every run writes or reads (model, status,
/// checkpoint, report, plan), so that the first file a run writes costs no reflection over its types (the status and
/// model files of a small job together 27 ms sooner, measured; docs/performance.md). Other types (the truth file of
/// <c>generate</c>, <c>bench</c>'s result) fall back to reflection in <see cref="Json.Options"/>.</summary>
[JsonSerializable(typeof(RunStatus))]
[JsonSerializable(typeof(ModelFile))]
[JsonSerializable(typeof(CheckpointFile))]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(PlanFile))]
internal sealed partial class JsonContext : JsonSerializerContext;
