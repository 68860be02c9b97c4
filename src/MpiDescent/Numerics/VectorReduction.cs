using System.Buffers;
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
    /// <summary>Sums elements [<paramref name="start"/>, Length) of <paramref name="sum"/> alone over all ranks and
    /// writes their totals to <paramref name="totals"/> on every rank (collective; plain and windowed sums, with the
    /// bits <see cref="Allreduce"/> gives them).</summary>
    public static void AllreduceRange(this IVectorSum sum, ICommunicator comm, int start, Span<double> totals)
    {
        switch (sum)
        {
            case PlainVectorSum plain:
                var range = plain.Values[start..sum.Length];
                comm.AllreduceSum(range);
                range.CopyTo(totals);
                break;
            case WindowedVectorSum windowed:
                windowed.AllreduceRange(comm, start, totals);
                break;
            default: throw new ArgumentException($"no range reduction for {sum.GetType().Name}");
        }
    }

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

    /// <summary>Sums several accumulators of one kind over all ranks in one reduction (concatenated), writing each
    /// one's totals to the matching <paramref name="totals"/> on every rank (collective; the ranks pass the same number
    /// of sums of the same lengths in the same order). Exact and windowed sums give the bits <see cref="Allreduce"/>
    /// gives each alone; plain sums may differ from it in the last bits, since MPI may choose another order of
    /// summation for the longer message.</summary>
    public static void AllreduceMany(IReadOnlyList<IVectorSum> sums, ICommunicator comm,
        IReadOnlyList<double[]> totals)
    {
        if (sums.Count != totals.Count) throw new ArgumentException("one totals buffer per sum", nameof(totals));
        if (sums.Count == 0) return;
        switch (sums[0])
        {
            case PlainVectorSum:
                var plain = sums.Cast<PlainVectorSum>().ToArray();
                int length = checked(plain.Sum(p => p.Length));
                var values = ArrayPool<double>.Shared.Rent(length);
                try
                {
                    int at = 0;
                    foreach (var p in plain) { p.Values[..p.Length].CopyTo(values.AsSpan(at)); at += p.Length; }
                    comm.AllreduceSum(values.AsSpan(0, length));
                    at = 0;
                    for (int k = 0; k < plain.Length; at += plain[k].Length, k++)
                        values.AsSpan(at, plain[k].Length).CopyTo(totals[k]);
                }
                finally { ArrayPool<double>.Shared.Return(values); }
                break;
            case ExactVectorSum:
                var exact = sums.Cast<ExactVectorSum>().ToArray();
                int words = checked(exact.Sum(e => e.Limbs.Length));
                var limbs = ArrayPool<long>.Shared.Rent(words);
                try
                {
                    int offset = 0;
                    foreach (var e in exact) { e.Limbs.CopyTo(limbs.AsSpan(offset)); offset += e.Limbs.Length; }
                    comm.AllreduceSum(limbs.AsSpan(0, words));
                    offset = 0;
                    for (int k = 0; k < exact.Length; offset += exact[k].Limbs.Length, k++)
                        ExactVectorSum.Round(limbs.AsSpan(offset, exact[k].Limbs.Length), 0,
                            totals[k].AsSpan(0, exact[k].Length));
                }
                finally { ArrayPool<long>.Shared.Return(limbs); }
                break;
            case WindowedVectorSum:
                WindowedVectorSum.AllreduceMany(sums.Cast<WindowedVectorSum>().ToArray(), comm, totals);
                break;
            default: throw new ArgumentException($"no reduction for {sums[0].GetType().Name}");
        }
    }

    /// <summary>Sums <paramref name="sum"/> over all ranks and writes the totals of this rank's segment of
    /// <paramref name="segments"/> to <paramref name="mine"/> and, on every rank, those of the elements after the
    /// segments (from <see cref="BlockLayout.Total"/> to the sum's length: the tail, e.g. a loss beside a gradient) to
    /// <paramref name="tail"/> (collective). Exact sums need segment boundaries, the tail's start included, on whole
    /// groups of <see cref="ExactVectorSum.GroupElements"/> elements (<see cref="BlockLayout.Even"/> with that unit
    /// gives them). The totals are the bits <see cref="Allreduce"/> gives, but for plain sums, whose order of
    /// summation MPI chooses.</summary>
    public static void ReduceScatter(this IVectorSum sum, ICommunicator comm, BlockLayout segments, Span<double> mine,
        Span<double> tail = default)
    {
        if (segments.Total > sum.Length || tail.Length < sum.Length - segments.Total)
            throw new ArgumentException($"segments of {segments.Total} elements and a tail of {tail.Length} for a " +
                $"sum of {sum.Length}");
        int rank = comm.Rank, head = (int)segments.Total;
        switch (sum)
        {
            case PlainVectorSum plain:
                comm.ReduceScatter<double>(plain.Values[..head], segments.Counts, mine, ReduceOperation.Sum);
                var rest = plain.Values[head..sum.Length];
                comm.AllreduceSum(rest);
                rest.CopyTo(tail);
                break;
            case ExactVectorSum exact:
                var counts = new int[segments.Segments];
                for (int r = 0; r < counts.Length; r++)
                    counts[r] = exact.LimbRange((int)segments.Start(r), (int)segments.End(r)).Count;
                var limbs = new long[counts[rank]];
                var (_, total) = exact.LimbRange(0, head);
                comm.ReduceScatter<long>(exact.Limbs[..total], counts, limbs, ReduceOperation.Sum);
                ExactVectorSum.Round(limbs, (int)segments.Start(rank), mine[..segments.Counts[rank]]);
                var (tailStart, tailCount) = exact.LimbRange(head, sum.Length);
                var tailLimbs = exact.Limbs.Slice(tailStart, tailCount);
                comm.AllreduceSum(tailLimbs);
                ExactVectorSum.Round(tailLimbs, head, tail[..(sum.Length - head)]);
                break;
            case WindowedVectorSum windowed:
                windowed.ReduceScatter(comm, segments, mine, tail);
                break;
            default: throw new ArgumentException($"no reduction for {sum.GetType().Name}");
        }
    }
}
