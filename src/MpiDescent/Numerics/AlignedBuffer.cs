using System.Runtime.CompilerServices;

namespace MpiDescent.Numerics;

/// <summary>
/// A buffer of doubles whose first element sits on a 64-byte (cache-line) boundary: a pinned array with an offset.
/// The kernels' hot accumulators live here; a managed array is only 8-byte aligned, and a vector load or store that
/// splits a cache line costs extra on every row, at a rate that depends on where the allocator happened to put it.
/// </summary>
public sealed class AlignedBuffer
{
    private const int Alignment = 64;
    private readonly double[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> zeroed doubles.</summary>
    public unsafe AlignedBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _array = GC.AllocateArray<double>((int)checked(length + Alignment / sizeof(double)), pinned: true);
        long address = (long)Unsafe.AsPointer(ref _array[0]);
        _offset = (int)((Alignment - address % Alignment) % Alignment / sizeof(double));
    }

    /// <summary>Number of doubles.</summary>
    public long Length { get; }

    /// <summary>The aligned elements.</summary>
    public Span<double> Span => _array.AsSpan(_offset, (int)Length);

    /// <summary>A slice of the aligned elements.</summary>
    public Span<double> Slice(long start, int length) => _array.AsSpan(_offset + (int)start, length);
}
