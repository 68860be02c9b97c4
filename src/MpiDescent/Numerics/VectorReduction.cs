using MpiDescent.Communication;

namespace MpiDescent.Numerics;

/// <summary>
/// Sums vector accumulators (<see cref="IVectorSum"/>) across ranks: exact sums reduce their integer limbs (exact and
/// order-independent, so the totals are the same bits at any rank count), plain sums their doubles (MPI_SUM). Either
/// to every rank (<see cref="Allreduce"/>) or as a reduce-scatter that delivers each rank only the totals of its own
/// segment (<see cref="ReduceScatter"/>), whose traffic and memory per rank are then the segment's, not the vector's.
/// </summary>
public static class VectorReduction
{
    /// <summary>Sums <paramref name="sum"/> over all ranks and writes every total to <paramref name="totals"/> on every
    /// rank (collective).</summary>
    public static void Allreduce(this IVectorSum sum, ICommunicator comm, Span<double> totals)
    {
        switch (sum)
        {
            case PlainVectorSum plain:
                comm.AllreduceSum(plain.Values);
                plain.Values[..sum.Length].CopyTo(totals);
                break;
            case ExactVectorSum exact:
                comm.AllreduceSum(exact.Limbs);
                ExactVectorSum.Round(exact.Limbs, 0, totals[..sum.Length]);
                break;
            case WindowedVectorSum windowed:
                windowed.Allreduce(comm, totals[..sum.Length]);
                break;
            default: throw new ArgumentException($"no reduction for {sum.GetType().Name}");
        }
    }

    /// <summary>Sums <paramref name="sum"/> over all ranks and writes the totals of this rank's segment of
    /// <paramref name="segments"/> (whose total is the sum's length) to <paramref name="mine"/> (collective). Exact
    /// sums need segment boundaries on whole groups of <see cref="ExactVectorSum.GroupElements"/> elements
    /// (<see cref="BlockLayout.Even"/> with that unit gives them).</summary>
    public static void ReduceScatter(this IVectorSum sum, ICommunicator comm, BlockLayout segments, Span<double> mine)
    {
        if (segments.Total != sum.Length)
            throw new ArgumentException($"segments of {segments.Total} elements for a sum of {sum.Length}");
        int rank = comm.Rank;
        switch (sum)
        {
            case PlainVectorSum plain:
                comm.ReduceScatter<double>(plain.Values, segments.Counts, mine, ReduceOperation.Sum);
                break;
            case ExactVectorSum exact:
                var counts = new int[segments.Segments];
                for (int r = 0; r < counts.Length; r++)
                    counts[r] = exact.LimbRange((int)segments.Start(r), (int)segments.End(r)).Count;
                var limbs = new long[counts[rank]];
                var (_, total) = exact.LimbRange(0, sum.Length);
                comm.ReduceScatter<long>(exact.Limbs[..total], counts, limbs, ReduceOperation.Sum);
                ExactVectorSum.Round(limbs, (int)segments.Start(rank), mine[..segments.Counts[rank]]);
                break;
            default: throw new ArgumentException($"no reduction for {sum.GetType().Name}");
        }
    }
}
