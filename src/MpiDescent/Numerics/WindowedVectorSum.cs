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

    /// <summary>Moves a sparse block's partial sums out of <paramref name="source"/> into this sum: for each feature j
    /// of <paramref name="touched"/> (in increasing order, or with repeats) whose <paramref name="source"/>[j] is not
    /// zero, adds it to element <paramref name="offset"/> + j, as <see cref="Add(int, double)"/> would, and sets it to
    /// zero. The elements are prefetched a few features ahead (those of a wide sum are scattered in memory, and each
    /// deposit would otherwise wait for its cache line); a normal value whose digits fall in the element's window, the
    /// usual case, takes a path without data-dependent branches (<see cref="TryDepositInWindow"/>). A value that is
    /// not finite or not below <paramref name="bound"/> in magnitude is not added (still zeroed), and the result is
    /// then false: the sum holds part of the block, and the caller fails the whole evaluation, as it does for any
    /// block that overflowed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe bool TakeNonzeros(Span<double> source, ReadOnlySpan<int> touched, int offset, double bound)
    {
        const int ahead = 16; // measured: 8 and 16 alike at d = 47,236; 16 faster at 2^20, where the state is 32 MB
        // The digits of the value being added at [2, 5), zeros around them: window position k takes digits[k + 2 - p]
        // when the value's lowest digit is at position p (−2 ≤ p ≤ 1), a table lookup instead of a branch on p.
        long* digits = stackalloc long[8];
        new Span<long>(digits, 8).Clear();
        bool summable = true;
        fixed (long* state = _state)
        fixed (double* values = source)
        {
            for (int i = 0; i < touched.Length; i++)
            {
                if (i + ahead < touched.Length && System.Runtime.Intrinsics.X86.Sse.IsSupported)
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(state + (long)(offset + touched[i + ahead]) * Stride);
                int j = touched[i];
                double v = values[j];
                if (v == 0) continue; // zero, or already taken for an earlier repeat of the feature
                values[j] = 0;
                if (!(Math.Abs(v) < bound)) // also NaN
                {
                    summable = false;
                    continue;
                }
                if (!TryDepositInWindow(state + (long)(offset + j) * Stride, digits, v)) Deposit(offset + j, v);
            }
        }
        return summable;
    }

    /// <summary>Adds <paramref name="value"/> to the element at <paramref name="element"/> when it is normal, within
    /// the exact sum's range (2^-320 ≤ |value| &lt; 2^192) and at most the element's window (no shift): the same
    /// digits as <see cref="ExactVectorSum.Digits"/>, negated by a mask rather than a branch; returns false, having
    /// changed nothing, otherwise (zero, subnormal or tiny, huge or non-finite, an empty element or one whose window
    /// must move up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool TryDepositInWindow(long* element, long* digits, double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int shift = (int)((bits >> 52) & 0x7FF) - ExactVectorSum.LowestBiasedExponent;
        if ((uint)shift > ExactVectorSum.MaxDigitShift) return false;
        int low = shift >> 5, leading = (shift + 52) >> 5, top = (int)element[0];
        if (top < leading) return false; // also an empty element (−1)
        int p = low - (top - (LimbsPerValue - 1)); // the lowest digit's position in the window, at most 1
        if (p < -2) return true; // every digit below the window: dropped, as Deposit drops them
        ulong mantissa = ((ulong)bits & 0xF_FFFF_FFFF_FFFFUL) | (1UL << 52);
        int s = shift & 31;
        ulong lowBits = mantissa << s, highBits = (mantissa >> 1) >> (63 - s);
        long sign = bits >> 63; // 0 or −1: (x ^ sign) − sign negates x when the value is negative
        digits[2] = ((long)(lowBits & 0xFFFF_FFFFUL) ^ sign) - sign;
        digits[3] = ((long)(lowBits >> 32) ^ sign) - sign;
        digits[4] = ((long)highBits ^ sign) - sign;
        long* limbs = element + 1;
        limbs[0] += digits[2 - p];
        limbs[1] += digits[3 - p];
        limbs[2] += digits[4 - p];
        return true;
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
        var (top, limbs) = AlignToAgreedWindows(comm);
        if (comm.Size > 1) comm.Allreduce<long>(limbs, ReduceOperation.Sum);
        for (int e = 0; e < Length; e++) totals[e] = Total(top[e], limbs.AsSpan(e * LimbsPerValue, LimbsPerValue));
    }

    /// <summary>Sums several windowed sums over all ranks in one max-reduction of their windows and one sum-reduction
    /// of their limbs, each to its <paramref name="totals"/> with the bits <see cref="Allreduce"/> gives it alone
    /// (collective; the same sums, in the same order, on every rank).</summary>
    public static void AllreduceMany(IReadOnlyList<WindowedVectorSum> sums, ICommunicator comm,
        IReadOnlyList<double[]> totals)
    {
        // The concatenated windows and limbs come from the shared pool: a path's round would otherwise leave two
        // large-object-heap arrays of garbage per evaluation (tens of megabytes for fifty wide models).
        int elements = checked(sums.Sum(s => s.Length));
        var topBuffer = System.Buffers.ArrayPool<int>.Shared.Rent(elements);
        var limbBuffer = System.Buffers.ArrayPool<long>.Shared.Rent(checked(elements * LimbsPerValue));
        try
        {
            var top = topBuffer.AsSpan(0, elements);
            var limbs = limbBuffer.AsSpan(0, elements * LimbsPerValue); // Align writes every element's limbs
            int at = 0;
            foreach (var sum in sums)
                for (int e = 0; e < sum.Length; e++) top[at++] = (int)sum._state[e * Stride];
            if (comm.Size > 1) comm.Allreduce(top, ReduceOperation.Max);
            at = 0;
            foreach (var sum in sums)
                for (int e = 0; e < sum.Length; e++, at++)
                    Align(sum._state.AsSpan(e * Stride, Stride), top[at], limbs.Slice(at * LimbsPerValue,
                        LimbsPerValue));
            if (comm.Size > 1) comm.Allreduce(limbs, ReduceOperation.Sum);
            at = 0;
            for (int k = 0; k < sums.Count; k++)
                for (int e = 0; e < sums[k].Length; e++, at++)
                    totals[k][e] = Total(top[at], limbs.Slice(at * LimbsPerValue, LimbsPerValue));
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(topBuffer);
            System.Buffers.ArrayPool<long>.Shared.Return(limbBuffer);
        }
    }

    /// <summary>Words of <see cref="State"/> per element: the window's top digit, then the limbs upward.</summary>
    internal const int StateWords = Stride;

    /// <summary>Each element's window and limbs as deposited on this rank (<see cref="StateWords"/> per element, the
    /// top digit −1 for an element nothing was added to): what a rank sends the owner of an element.</summary>
    internal ReadOnlySpan<long> State => _state;

    /// <summary>Sums, over ranks, the elements [<paramref name="start"/>, Length) alone, to every rank
    /// (<paramref name="totals"/>[e − start]), with the bits <see cref="Allreduce"/> gives them (collective).</summary>
    public void AllreduceRange(ICommunicator comm, int start, Span<double> totals)
    {
        int count = Length - start;
        var top = new int[count];
        var limbs = new long[count * LimbsPerValue];
        for (int e = 0; e < count; e++) top[e] = (int)_state[(start + e) * Stride];
        if (comm.Size > 1) comm.Allreduce<int>(top, ReduceOperation.Max);
        for (int e = 0; e < count; e++) Align(_state.AsSpan((start + e) * Stride, Stride), top[e],
            limbs.AsSpan(e * LimbsPerValue, LimbsPerValue));
        if (comm.Size > 1) comm.Allreduce<long>(limbs, ReduceOperation.Sum);
        for (int e = 0; e < count; e++) totals[e] = Total(top[e], limbs.AsSpan(e * LimbsPerValue, LimbsPerValue));
    }

    /// <summary>The owner's side of a sparse reduction: <paramref name="states"/> holds contributions (<see
    /// cref="State"/>'s words of one element each, from any ranks in any order) to the owner's elements
    /// <paramref name="targets"/>; writes each element's total to <paramref name="totals"/> (0 where nothing was
    /// contributed) with the bits an all-reduce of the contributors' whole sums gives: the window agreed as the
    /// highest of the contributors', each contribution aligned to it, the limbs added. <paramref name="top"/> and
    /// <paramref name="limbs"/> (one and <see cref="LimbsPerValue"/> per element) are workspace.</summary>
    internal static void CombineContributions(ReadOnlySpan<long> states, ReadOnlySpan<int> targets, Span<double> totals,
        Span<int> top, Span<long> limbs)
    {
        top.Fill(Empty);
        limbs.Clear();
        for (int q = 0; q < targets.Length; q++) top[targets[q]] = Math.Max(top[targets[q]], (int)states[q * Stride]);
        Span<long> aligned = stackalloc long[LimbsPerValue];
        for (int q = 0; q < targets.Length; q++)
        {
            int t = targets[q];
            Align(states.Slice(q * Stride, Stride), top[t], aligned);
            for (int k = 0; k < LimbsPerValue; k++) limbs[t * LimbsPerValue + k] += aligned[k];
        }
        for (int e = 0; e < totals.Length; e++)
            totals[e] = Total(top[e], limbs.Slice(e * LimbsPerValue, LimbsPerValue));
    }

    /// <summary>One element's limbs (from its state words) shifted down to the agreed window <paramref name="top"/>;
    /// zero for an element nothing was added to.</summary>
    private static void Align(ReadOnlySpan<long> state, int top, Span<long> aligned)
    {
        aligned.Clear();
        if (state[0] == Empty) return;
        state[1..].CopyTo(aligned);
        if (top != state[0]) ShiftDown(aligned, top - (int)state[0]);
    }

    /// <summary>Sums over all ranks; writes the totals of this rank's segment of <paramref name="segments"/> to
    /// <paramref name="mine"/> and those of the elements after the segments (the tail) to <paramref name="tail"/>
    /// (collective: a max-reduction of every window, since each rank deposits into every element, then a
    /// reduce-scatter of the segments' limbs and a sum-reduction of the tail's). The totals are the bits
    /// <see cref="Allreduce"/> gives.</summary>
    public void ReduceScatter(ICommunicator comm, BlockLayout segments, Span<double> mine, Span<double> tail)
    {
        var (top, limbs) = AlignToAgreedWindows(comm);
        int rank = comm.Rank, start = (int)segments.Start(rank), headLimbs = (int)segments.Total * LimbsPerValue;
        var counts = segments.Counts.Select(c => c * LimbsPerValue).ToArray();
        var own = new long[counts[rank]];
        comm.ReduceScatter<long>(limbs.AsSpan(0, headLimbs), counts, own, ReduceOperation.Sum);
        var tailLimbs = limbs.AsSpan(headLimbs);
        if (comm.Size > 1) comm.Allreduce(tailLimbs, ReduceOperation.Sum);
        for (int e = 0; e < segments.Counts[rank]; e++)
            mine[e] = Total(top[start + e], own.AsSpan(e * LimbsPerValue, LimbsPerValue));
        for (int e = 0; e < Length - (int)segments.Total; e++)
            tail[e] = Total(top[(int)segments.Total + e], tailLimbs.Slice(e * LimbsPerValue, LimbsPerValue));
    }

    /// <summary>Agrees each element's window over ranks (a max-reduction) and returns the windows and this rank's limbs
    /// shifted to them (kept buffers: an evaluation per iteration would otherwise leave two large-object-heap arrays of
    /// garbage behind each time).</summary>
    private (int[] Top, long[] Limbs) AlignToAgreedWindows(ICommunicator comm)
    {
        var top = _reducedTop ??= new int[Length];
        var limbs = _reducedLimbs ??= new long[(long)Length * LimbsPerValue];
        Array.Clear(limbs);
        for (int e = 0; e < Length; e++) top[e] = (int)_state[e * Stride];
        if (comm.Size > 1) comm.Allreduce<int>(top, ReduceOperation.Max);
        for (int e = 0; e < Length; e++)
            Align(_state.AsSpan(e * Stride, Stride), top[e], limbs.AsSpan(e * LimbsPerValue, LimbsPerValue));
        return (top, limbs);
    }

    /// <summary>The total of one element from its agreed window's top digit and summed limbs, rounded to the nearest
    /// double (ties to even). The three limbs are added exactly in 128 bits when that cannot overflow (the top limb
    /// below 2^62 in magnitude; the window not at the lowest digits), which gives the bits of the exact sum's general
    /// rounding (<see cref="ExactVectorSum.Round(ReadOnlySpan{long})"/>) at a fraction of its cost (tested against
    /// it).</summary>
    internal static double Total(int top, ReadOnlySpan<long> limbs)
    {
        if (top == Empty) return 0;
        int bottom = top - (LimbsPerValue - 1);
        if (bottom >= 0 && (ulong)(limbs[2] + (1L << 62)) < (1UL << 63))
        {
            // |limb 0| < 2^63, |limb 1|·2^32 < 2^95, |limb 2|·2^64 < 2^126: the sum fits an Int128.
            Int128 exact = limbs[0] + ((Int128)limbs[1] << 32) + ((Int128)limbs[2] << 64);
            if (exact == 0) return 0.0;
            bool negative = exact < 0;
            var magnitude = (UInt128)(negative ? -exact : exact);
            int leading = (int)UInt128.LeadingZeroCount(magnitude);
            magnitude <<= leading;
            // The leading 64 bits, the lowest made sticky by any bit below them: one rounding, in the conversion.
            ulong head = (ulong)(magnitude >> 64);
            if ((ulong)magnitude != 0) head |= 1;
            double value = Math.ScaleB((double)head,
                ExactVectorSum.LowestDigitExponent + 32 * bottom + 64 - leading); // ≥ 2^-320: never subnormal
            return negative ? -value : value;
        }
        return TotalByExactRounding(top, limbs);
    }

    /// <summary><see cref="Total"/> by the exact sum's general rounding (any limbs, any window).</summary>
    internal static double TotalByExactRounding(int top, ReadOnlySpan<long> limbs)
    {
        if (top == Empty) return 0;
        Span<long> wide = stackalloc long[ExactVectorSum.LimbsPerValue];
        wide.Clear();
        int bottom = top - (LimbsPerValue - 1);
        for (int k = 0; k < LimbsPerValue; k++)
            if (bottom + k >= 0) wide[bottom + k] = limbs[k];
        return ExactVectorSum.Round(wide);
    }
}
