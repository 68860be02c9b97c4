namespace MpiDescent.Planning;

/// <summary>
/// The α-β model of an all-reduce of b bytes over N ranks, t(N, b) = α·⌈log₂ N⌉ + β·2(N−1)/N·b: a latency α per
/// round of recursive halving and doubling, and a time β per byte of the 2(N−1)/N·b each rank sends and receives
/// (the bandwidth-optimal algorithm MPICH uses for long vectors). Fitted from timings at one rank count P by least
/// squares of t against b, then divided by ⌈log₂ P⌉ and 2(P−1)/P. At one rank there is nothing to measure.
/// </summary>
/// <param name="LatencySeconds">α, seconds per round.</param>
/// <param name="SecondsPerByte">β, seconds per byte moved.</param>
/// <param name="MeasuredRanks">P, the rank count of the timings.</param>
public sealed record AllreduceCost(double LatencySeconds, double SecondsPerByte, int MeasuredRanks)
{
    /// <summary>No communication (a one-rank measurement: the costs are unknown, taken as zero).</summary>
    public bool Measured => MeasuredRanks > 1;

    /// <summary>t(N, b) in seconds.</summary>
    public double Seconds(int ranks, double bytes) => ranks <= 1 ? 0
        : LatencySeconds * Rounds(ranks) + SecondsPerByte * 2.0 * (ranks - 1) / ranks * bytes;

    /// <summary>Fits α and β to (bytes, seconds) timings taken at <paramref name="ranks"/> ranks; negative fits are
    /// clamped at zero (then the other is refitted alone).</summary>
    public static AllreduceCost Fit(IReadOnlyList<double> bytes, IReadOnlyList<double> seconds, int ranks)
    {
        if (ranks <= 1) return new AllreduceCost(0, 0, ranks);
        if (bytes.Count != seconds.Count || bytes.Count < 2)
            throw new ArgumentException("two or more (bytes, seconds) timings", nameof(seconds));
        int n = bytes.Count;
        double meanB = bytes.Average(), meanT = seconds.Average();
        double sbb = 0, sbt = 0;
        for (int i = 0; i < n; i++)
        {
            sbb += (bytes[i] - meanB) * (bytes[i] - meanB);
            sbt += (bytes[i] - meanB) * (seconds[i] - meanT);
        }
        double slope = sbb > 0 ? sbt / sbb : 0, intercept = meanT - slope * meanB;
        if (slope < 0) (slope, intercept) = (0, meanT);
        if (intercept < 0)
        {
            // Through the origin: t = β·b.
            double bt = 0, bb = 0;
            for (int i = 0; i < n; i++) { bt += bytes[i] * seconds[i]; bb += bytes[i] * bytes[i]; }
            (slope, intercept) = (bb > 0 ? bt / bb : 0, 0);
        }
        return new AllreduceCost(intercept / Rounds(ranks), slope / (2.0 * (ranks - 1) / ranks), ranks);
    }

    private static int Rounds(int ranks) => 64 - (int)ulong.LeadingZeroCount((ulong)ranks - 1);
}
