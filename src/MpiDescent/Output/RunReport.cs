using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>The machine-readable summary of a training run (<c>--report</c>); <c>Privacy</c> only for differentially
/// private runs, <c>Plan</c> only with <c>--plan</c>, <c>ModelSearch</c> only with <c>--cv</c> (the model is then the
/// chosen penalty's, refitted on all rows).</summary>
public sealed record RunReport(
    string DataFile, string DataChecksum, long Rows, int Features, int Ranks, long MinRowsPerRank, long MaxRowsPerRank,
        int BlockRows,
    RecordedSettings Settings, int Iterations, long DataPasses, double FinalLoss, double FinalGradientNorm,
        string Exit, string ExitReason,
    TimingSummary Timing, IReadOnlyList<IterationRecord> History, long[]? ClassCounts = null,
    bool Converged = false, double RelativeGradientNorm = double.NaN, string? Advice = null,
    ParameterTraffic? Parameters = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    Training.Privacy.PrivacyGuarantee? Privacy = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    Planning.PlanComparison? Plan = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    ModelSearchReport? ModelSearch = null);

/// <summary>How θ was held (all of it on every rank, or partitioned) and, per rank in rank order, the parameters it
/// owned, the distinct features its rows touch, and the bytes its collectives moved per evaluation (counted as ring
/// algorithms move them, <see cref="Communication.TrafficCounter"/>; the solver's dot products included), beside what
/// the all-reduce of a replicated run's evaluation moves per rank.</summary>
public sealed record ParameterTraffic(bool Partitioned, int[] ParametersOwned, long[] FeaturesTouched,
    double[] MovedBytesPerEvaluation, long ReplicatedAllreduceBytes);

/// <summary>Where the time went, per phase, over ranks. Communication is the time inside the reductions, waiting for
/// slower ranks included: a rank that computes fast waits long, so a spread in compute shows up as communication on the
/// others (load imbalance or a straggler).</summary>
/// <para>Idle is estimated per rank as its communication time minus the smallest communication time over ranks: the
/// last rank to arrive at each reduction waits least, so the remainder is time spent waiting for slower ranks.</para>
public sealed record TimingSummary(RankStatistic Load, RankStatistic Compute, RankStatistic Communication,
    double TotalSeconds,
    RankStatistic PeakMemoryMegabytes, RankStatistic Idle);

/// <summary>One quantity over ranks (seconds of a phase, megabytes of memory): minimum, median, maximum, and the rank
/// with the maximum.</summary>
public sealed record RankStatistic(double Min, double Median, double Max, int MaxRank)
{
    /// <summary>Summarizes one value per rank (in rank order).</summary>
    public static RankStatistic Of(IReadOnlyList<double> perRank)
    {
        var sorted = perRank.Order().ToArray();
        int slowest = Enumerable.Range(0, perRank.Count).MaxBy(r => perRank[r]);
        return new(sorted[0], sorted[sorted.Length / 2], sorted[^1], slowest);
    }
}
