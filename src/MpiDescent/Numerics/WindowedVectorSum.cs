using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MpiDescent.Communication;

namespace MpiDescent.Numerics;

/// <summary>
/// Order-independent sum of doubles in three 64-bit limbs per element: the sparse-data counterpart of
/// <see cref="ExactVectorSum"/> (docs/reproducibility.md). Values are split into 32-bit digits at the same fixed
/// binary positions as in the exact sum, but each element keeps only a window of three digits, the highest being the
/// one that holds the leading bit of the largest value added to it. The window only moves up, and digits below it are
/// dropped; since digits are never carried between limbs, what a limb holds is exactly the sum of every value's digit
/// at its position, whatever the order. Across ranks, one max-reduction agrees on each element's window (the largest
/// value's leading digit over all ranks), every rank drops what lies below it, and a sum-reduction adds the limbs:
/// the totals are the same bits at any rank count. What is dropped is below 2^-64 of the largest value per added
/// value, so the result is accurate to about n·2^-64 of it for n values (plain summation's bound is about n·2^-53 of
/// the sum of magnitudes), and exact for integers. Memory: an element's window index and 3 limbs side by side (32
/// bytes, so that a deposit touches one cache line), against 144 bytes for the exact sum; reduction traffic 28 bytes
/// per element. Each added value costs O(1), so a sparse pass deposits only the entries its rows touch.
/// </summary>
public sealed class WindowedVectorSum : IVectorSum
{
    /// <summary>Limbs per element.</summary>
    public const int LimbsPerValue = 3;
    private const int Empty = -1;
    private const int Stride = LimbsPerValue + 1; // per element: the window's top digit, then the limbs upward
    private readonly long[] _state;
    private int[]? _reducedTop;
    private long[]? _reducedLimbs;

    /// <summary>Creates a sum of <paramref name="length"/> values.</summary>
    public WindowedVectorSum(int length)
    {
        Length = length;
        _state = new long[checked((long)length * Stride)];
        Clear();
    }

    /// <inheritdoc />
    public int Length { get; }

    /// <summary>Bytes of state per element.</summary>
    public const int BytesPerElement = Stride * 8;

    /// <inheritdoc />
    public void Clear()
    {
        Array.Clear(_state);
        for (int e = 0; e < Length; e++) _state[e * Stride] = Empty;
    }

    /// <inheritdoc />
    public void Add(ReadOnlySpan<double> values, int offset = 0)
    {
        for (int i = 0; i < values.Length; i++) Deposit(offset + i, values[i]);
    }

    /// <inheritdoc />
    public void AddScaled(double scale, ReadOnlySpan<double> values, int offset)
    {
        for (int i = 0; i < values.Length; i++) Deposit(offset + i, scale * values[i]);
    }

    /// <inheritdoc />
    public void Add(int index, double value) => Deposit(index, value);

    /// <summary>Adds values[i] to element indices[i] for each i, prefetching the elements a few deposits ahead (the
    /// elements of a wide sum are scattered in memory, and each deposit would otherwise wait for its cache
    /// line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void AddMany(ReadOnlySpan<int> indices, ReadOnlySpan<double> values)
    {
        const int ahead = 8;
        fixed (long* state = _state)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                if (i + ahead < indices.Length && System.Runtime.Intrinsics.X86.Sse.IsSupported)
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(state + (long)indices[i + ahead] * Stride);
                Deposit(indices[i], values[i]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deposit(int index, double value)
    {
        if (!ExactVectorSum.Digits(value, out int low, out long d0, out long d1, out long d2, out int leading,
            out bool negative)) return;
        if (negative) (d0, d1, d2) = (-d0, -d1, -d2);
        ref long element = ref _state[index * Stride];
        int top = (int)element;
        if (top < leading)
        {
            if (top != Empty) ShiftDown(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref element, 1), LimbsPerValue),
                leading - top);
            element = top = leading;
        }
        ref long limbs = ref Unsafe.Add(ref element, 1);
        int bottom = top - (LimbsPerValue - 1);
        AddDigit(ref limbs, low - bottom, d0);
        AddDigit(ref limbs, low + 1 - bottom, d1);
        AddDigit(ref limbs, low + 2 - bottom, d2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddDigit(ref long limbs, int position, long digit)
    {
        if ((uint)position < LimbsPerValue) Unsafe.Add(ref limbs, position) += digit;
    }

    private static void ShiftDown(Span<long> limbs, int by)
    {
        for (int k = 0; k < LimbsPerValue; k++) limbs[k] = k + by < LimbsPerValue ? limbs[k + by] : 0;
    }

    /// <summary>Sums over all ranks and writes every total to <paramref name="totals"/> (collective: a max-reduction
    /// of the windows, then a sum-reduction of the limbs aligned to them).</summary>
    public void Allreduce(ICommunicator comm, Span<double> totals)
    {
        // Reduction buffers are kept: an evaluation per iteration would otherwise leave two large-object-heap arrays
        // of garbage behind each time.
        var top = _reducedTop ??= new int[Length];
        var limbs = _reducedLimbs ??= new long[(long)Length * LimbsPerValue];
        Array.Clear(limbs);
        for (int e = 0; e < Length; e++) top[e] = (int)_state[e * Stride];
        if (comm.Size > 1) comm.Allreduce<int>(top, ReduceOperation.Max);
        for (int e = 0; e < Length; e++)
        {
            var mine = _state.AsSpan(e * Stride, Stride);
            var aligned = limbs.AsSpan(e * LimbsPerValue, LimbsPerValue);
            if (mine[0] == Empty) continue;
            mine[1..].CopyTo(aligned);
            if (top[e] != mine[0]) ShiftDown(aligned, top[e] - (int)mine[0]);
        }
        if (comm.Size > 1) comm.Allreduce<long>(limbs, ReduceOperation.Sum);
        Span<long> wide = stackalloc long[ExactVectorSum.LimbsPerValue];
        for (int e = 0; e < Length; e++)
        {
            if (top[e] == Empty) { totals[e] = 0; continue; }
            wide.Clear();
            int bottom = top[e] - (LimbsPerValue - 1);
            for (int k = 0; k < LimbsPerValue; k++)
                if (bottom + k >= 0) wide[bottom + k] = limbs[e * LimbsPerValue + k];
            totals[e] = ExactVectorSum.Round(wide);
        }
    }
}
