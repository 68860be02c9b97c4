namespace MpiDescent.Communication;

/// <summary>
/// Contiguous segments of a vector, one per rank, in rank order (LightGBM's block offsets): segment r holds elements
/// [<see cref="Start"/>(r), <see cref="End"/>(r)). The counts of a <see cref="ICommunicator.ReduceScatter{T}"/> or
/// <see cref="ICommunicator.Allgather{T}"/>.
/// </summary>
public sealed class BlockLayout
{
    private readonly long[] _starts;

    /// <summary>Segments of the given sizes.</summary>
    public BlockLayout(IReadOnlyList<int> counts)
    {
        Counts = counts.ToArray();
        _starts = new long[Counts.Length + 1];
        for (int r = 0; r < Counts.Length; r++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(Counts[r]);
            _starts[r + 1] = _starts[r] + Counts[r];
        }
    }

    /// <summary>Elements per segment.</summary>
    public int[] Counts { get; }

    /// <summary>Number of segments.</summary>
    public int Segments => Counts.Length;

    /// <summary>Total elements.</summary>
    public long Total => _starts[^1];

    /// <summary>First element of segment <paramref name="r"/>.</summary>
    public long Start(int r) => _starts[r];

    /// <summary>One past the last element of segment <paramref name="r"/>.</summary>
    public long End(int r) => _starts[r + 1];

    /// <summary>The segment of element <paramref name="index"/> (the last non-empty one that starts at or before
    /// it).</summary>
    public int SegmentOf(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Total);
        int r = Array.BinarySearch(_starts, index);
        if (r < 0) r = ~r - 1;
        while (Counts[r] == 0) r++;
        return r;
    }

    /// <summary><paramref name="total"/> elements in <paramref name="segments"/> segments of whole units of
    /// <paramref name="unit"/> elements whose unit counts differ by at most one (the first segments are the larger
    /// ones; the last non-empty segment ends at <paramref name="total"/>, so it may hold a partial unit; trailing
    /// segments may be empty). Every boundary but the end is a multiple of <paramref name="unit"/>.</summary>
    public static BlockLayout Even(long total, int segments, int unit = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(unit, 1);
        long units = (total + unit - 1) / unit, q = units / segments, extra = units % segments;
        var counts = new int[segments];
        long start = 0;
        for (int r = 0; r < segments; r++)
        {
            long end = Math.Min(total, start + (q + (r < extra ? 1 : 0)) * unit);
            counts[r] = checked((int)(end - start));
            start = end;
        }
        return new BlockLayout(counts);
    }

    /// <summary>Every segment is the whole vector of <paramref name="length"/> elements: the layout of a replicated
    /// vector, which every rank holds entirely.</summary>
    public static BlockLayout Replicated(int length, int segments) => new(Enumerable.Repeat(length,
        segments).ToArray());
}
