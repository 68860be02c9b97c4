using System.Text.Json;
using MpiDescent.Data;
using MpiDescent.Output;

namespace MpiDescent.Planning;

/// <summary>What <c>plan --json</c> writes and <c>train --plan</c> reads: the data file it measured (path, checksum,
/// shape), the measurement, and the prediction for each rank count asked.</summary>
/// <param name="Format">"mpidescent-plan-1".</param>
/// <param name="DataFile">The data file's full path.</param>
/// <param name="DataChecksum">Its checksum (<see cref="DataFileHeader.ChecksumHex"/>).</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Features">Its features.</param>
/// <param name="Measurement">What was measured.</param>
/// <param name="Predictions">One per rank count, in increasing order.</param>
public sealed record PlanFile(string Format, string DataFile, string DataChecksum, long Rows, int Features,
    PlanMeasurement Measurement, IReadOnlyList<RankPrediction> Predictions)
{
    /// <summary>The format's name and version.</summary>
    public const string FormatName = "mpidescent-plan-1";

    /// <summary>Reads a plan file and checks that it was made for the data file with <paramref
    /// name="header"/>.</summary>
    /// <exception cref="InputFileException">Unreadable, not a plan, or made for other data.</exception>
    public static PlanFile Read(string path, DataFileHeader header, string dataPath)
    {
        PlanFile? plan;
        try { plan = JsonSerializer.Deserialize<PlanFile>(File.ReadAllText(path), Json.Options); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new InputFileException(path, $"is not a readable plan file (written by plan --json): {e.Message}",
                e);
        }
        if (plan is null || plan.Format != FormatName || plan.Measurement is null || plan.Predictions is null)
            throw new InputFileException(path, $"is not a plan file (written by plan --json; format {FormatName})");
        if (plan.DataChecksum != header.ChecksumHex)
            throw new InputFileException(path, $"was measured on {plan.DataFile} ({plan.Rows} rows x {plan.Features} "
                + $"features, checksum {plan.DataChecksum}), not on {dataPath} (checksum {header.ChecksumHex}): run "
                + "plan on this data");
        return plan;
    }
}
