namespace MpiDescent.Data;

/// <summary>
/// Splits a file's rows into fixed blocks and the blocks into one contiguous slice per rank. The block size is a
/// function of the row count alone (a power of two, 1 to 1024 rows, so that there are at least 256 blocks when
/// possible), never of the rank count: each block's partial sums are then computed by the same code in the same
/// order at any rank count, which makes the model bitwise reproducible. Slices differ by at most one block;
/// ranks beyond the block count get empty slices and still take part in every collective.
/// </summary>
public sealed class RowPartition
{
    /// <summary>Largest block, in rows.</summary>
    public const int MaxBlockRows = 1024;

    /// <summary>Partitions <paramref name="rows"/> rows over <paramref name="ranks"/> ranks.</summary>
    public RowPartition(long rows, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        Rows = rows;
        Ranks = ranks;
        BlockRows = BlockRowsFor(rows);
        Blocks = (rows + BlockRows - 1) / BlockRows;
    }

    /// <summary>Total rows.</summary>
    public long Rows { get; }
    /// <summary>Number of ranks.</summary>
    public int Ranks { get; }
    /// <summary>Rows per block (the last block may be shorter).</summary>
    public int BlockRows { get; }
    /// <summary>Number of blocks.</summary>
    public long Blocks { get; }

    /// <summary>The block size used for <paramref name="rows"/> rows.</summary>
    public static int BlockRowsFor(long rows)
    {
        long target = Math.Clamp(rows / 256, 1, MaxBlockRows);
        return (int)(1L << (int)(63 - long.LeadingZeroCount(target)));
    }

    /// <summary>The half-open range of blocks owned by <paramref name="rank"/>.</summary>
    public (long Start, long End) BlocksOf(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Ranks);
        long q = Blocks / Ranks, r = Blocks % Ranks;
        long start = rank * q + Math.Min(rank, r);
        return (start, start + q + (rank < r ? 1 : 0));
    }

    /// <summary>The half-open range of rows owned by <paramref name="rank"/>.</summary>
    public (long Start, long End) RowsOf(int rank)
    {
        var (start, end) = BlocksOf(rank);
        return (Math.Min(start * BlockRows, Rows), Math.Min(end * BlockRows, Rows));
    }
}
