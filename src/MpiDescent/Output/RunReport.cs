using MpiDescent.Training;

namespace MpiDescent.Output;

/// <summary>The machine-readable summary of a training run (<c>--report</c>).</summary>
public sealed record RunReport(
    string DataFile, string DataChecksum, long Rows, int Features, int Ranks, long MinRowsPerRank, long MaxRowsPerRank, int BlockRows,
    TrainingSettings Settings, int Iterations, long DataPasses, double FinalLoss, double FinalGradientNorm, string Exit, string ExitReason,
    TimingSummary Timing, IReadOnlyList<IterationRecord> History);

/// <summary>Where the time went, per phase, over ranks.</summary>
public sealed record TimingSummary(PhaseTiming Load, PhaseTiming Compute, PhaseTiming Communication, double TotalSeconds, int SlowestComputeRank);

/// <summary>A phase's seconds: the minimum and maximum over ranks.</summary>
public sealed record PhaseTiming(double MinSeconds, double MaxSeconds)
{
    /// <summary>Summarizes one value per rank.</summary>
    public static PhaseTiming Of(IReadOnlyList<double> perRank) => new(perRank.Min(), perRank.Max());
}
