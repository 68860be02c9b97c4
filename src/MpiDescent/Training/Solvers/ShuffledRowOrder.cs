using System.Runtime.CompilerServices;
namespace MpiDescent.Training.Solvers;

/// <summary>
/// A pseudo-random permutation of the global row indices [0, m) for each epoch, computed per position by a
/// four-round Feistel network with cycle walking. It needs O(1) memory, depends only on (seed, epoch, m), never on
/// the rank count, so mini-batches are the same at any rank count.
/// </summary>
public sealed class ShuffledRowOrder
{
    private readonly long _rows;
    private readonly ulong _seed;
    private readonly int _halfBits;
    private readonly ulong _halfMask;

    /// <summary>Permutations of <paramref name="rows"/> rows keyed by <paramref name="seed"/>.</summary>
    public ShuffledRowOrder(long rows, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        _rows = rows;
        _seed = seed;
        int bits = rows <= 1 ? 2 : 64 - (int)ulong.LeadingZeroCount((ulong)(rows - 1));
        _halfBits = Math.Max(1, (bits + 1) / 2);
        _halfMask = (1UL << _halfBits) - 1;
    }

    /// <summary>The row at <paramref name="position"/> of epoch <paramref name="epoch"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long RowAt(int epoch, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, _rows);
        ulong key = Mix(_seed ^ Mix((ulong)epoch + 0x9E37_79B9_7F4A_7C15UL));
        ulong x = (ulong)position;
        do x = Permute(x, key); while (x >= (ulong)_rows);
        return (long)x;
    }

    private ulong Permute(ulong x, ulong key)
    {
        ulong left = x >> _halfBits, right = x & _halfMask;
        for (ulong round = 0; round < 4; round++)
        {
            ulong next = left ^ (Mix(right ^ key ^ (round << 56)) & _halfMask);
            left = right;
            right = next;
        }
        return (left << _halfBits) | right;
    }

    private static ulong Mix(ulong z) => Numerics.SplitMix64.Mix(z);
}
