using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// A buffer of <typeparamref name="T"/> (double or float) whose first element sits on a 64-byte (cache-line) boundary:
/// a pinned array with an offset. The kernels' hot accumulators and the data slices live here; a managed array is only
/// 8-byte aligned, and a vector load or store that splits a cache line costs extra on every row, at a rate that depends
/// on where the allocator happened to put it.
/// </summary>
public sealed class AlignedBuffer<T> where T : unmanaged
{
    private const int Alignment = 64;
    private readonly T[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> elements, zeroed unless the caller will overwrite them all
    /// (<paramref name="zeroed"/> false: saves touching the memory twice, e.g. for a data slice about to be
    /// read).</summary>
    public unsafe AlignedBuffer(long length, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        int elementBytes = Unsafe.SizeOf<T>();
        int size = (int)checked(length + Alignment / elementBytes);
        _array = zeroed ? GC.AllocateArray<T>(size, pinned: true) : GC.AllocateUninitializedArray<T>(size,
            pinned: true);
        long address = (long)Unsafe.AsPointer(ref _array[0]);
        _offset = (int)((Alignment - address % Alignment) % Alignment / elementBytes);
        if (!zeroed) AdviseHugePages(address, (long)size * elementBytes);
    }

    /// <summary>On Linux, asks for transparent huge pages on the 2 MB-aligned interior of a large buffer before it is
    /// first touched: a 260 MB slice then takes ~130 page faults instead of ~66,000, which made loading 4x slower than
    /// the copy itself. Only a hint; where the kernel declines, nothing changes.</summary>
    private static void AdviseHugePages(long address, long bytes)
    {
        const long HugePage = 2 << 20;
        if (!OperatingSystem.IsLinux() || bytes < 4 * HugePage) return;
        long start = (address + HugePage - 1) / HugePage * HugePage, end = (address + bytes) / HugePage * HugePage;
        if (end > start) _ = NativeMethods.madvise((nint)start, (nuint)(end - start), 14 /* MADV_HUGEPAGE */);
    }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>The aligned elements.</summary>
    public Span<T> Span => _array.AsSpan(_offset, (int)Length);
}

internal static class NativeMethods
{
    [DllImport("libc", SetLastError = true)]
    internal static extern int madvise(nint address, nuint length, int advice);
}
