using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MpiDescent.Numerics;

/// <summary>
/// Exact, order-independent sum of doubles (a windowed Kulisch accumulator). Every added double is split into
/// 32-bit digits at fixed binary positions and each digit is added to a 64-bit integer limb, without carrying.
/// Integer addition is associative, so the limbs, and an MPI_SUM of them across ranks, are the same whatever the
/// order or grouping of the additions; the total is rounded to double once, at the end. Hence the same bits at any
/// rank count. The window covers 2^-320 ≤ |x| &lt; 2^244; smaller parts of an added value are truncated (the same way
/// on every rank) and a larger value raises <see cref="NonFiniteValueException"/>. Up to 2^30 additions per element
/// cannot overflow a limb.
/// The limbs are stored by groups of <see cref="GroupElements"/> consecutive elements: the group's limbs digit by
/// digit, each digit's four elements side by side. So four consecutive elements whose values have the same binary order
/// of magnitude (the common case: the entries of one block's XᵀX, a gradient) are deposited with three vector additions
/// (<see cref="Add(ReadOnlySpan{double}, int)"/>, AVX2; any other group takes the scalar path, which gives the same
/// limbs), and the limbs of a range of whole groups are contiguous, so that a reduce-scatter can deliver each rank the
/// totals of its own range (<see cref="VectorReduction"/>). </summary>
public sealed class ExactVectorSum : IVectorSum
{
    /// <summary>Limbs per summed value.</summary>
    public const int LimbsPerValue = 18;
    /// <summary>Consecutive elements whose limbs are stored together.</summary>
    public const int GroupElements = 4;
    private const int GroupWords = GroupElements * LimbsPerValue;
    private const int DigitBits = 32;
    private const int LowestExponent = -320;
    private const int MaxShift = (LimbsPerValue - 2) * DigitBits - 1;

    /// <summary>The biased exponent (IEEE bits 52-62) of the lowest normal value whose digits start at bit 0 of the
    /// lowest limb: a normal value's shift is its biased exponent minus this.</summary>
    internal const int LowestBiasedExponent = 1075 + LowestExponent;

    /// <summary>The binary exponent of bit 0 of the lowest limb: digit k's bit 0 is worth 2^(32k + this).</summary>
    internal const int LowestDigitExponent = LowestExponent;

    /// <summary>The largest shift <see cref="Digits"/> accepts.</summary>
    internal const int MaxDigitShift = MaxShift;
    private readonly long[] _limbs;

    /// <summary>Creates a sum of <paramref name="length"/> values.</summary>
    public ExactVectorSum(int length)
    {
        Length = length;
        _limbs = new long[checked(Groups(length) * GroupWords)];
    }

    /// <inheritdoc />
    public int Length { get; }

    /// <inheritdoc />
    public void Clear() => Array.Clear(_limbs);

    /// <summary>The limbs, group by group (see the class summary); summed across ranks by <see
    /// cref="VectorReduction"/>.</summary>
    internal Span<long> Limbs => _limbs;

    /// <summary>The range of <see cref="Limbs"/> that holds elements [<paramref name="start"/>, <paramref
    /// name="end"/>);
    /// <paramref name="start"/> must begin a group and <paramref name="end"/> end one (or be <see
    /// cref="Length"/>).</summary>
    internal (int Start, int Count) LimbRange(int start, int end)
    {
        if (start == end && start >= 0 && end <= Length) return (0, 0);
        if (start % GroupElements != 0 || (end % GroupElements != 0 && end != Length) || end < start)
            throw new ArgumentException($"elements [{start}, {end}) are not whole groups of {GroupElements}");
        return (start / GroupElements * GroupWords, (Groups(end) - start / GroupElements) * GroupWords);
    }

    private static int Groups(int elements) => (elements + GroupElements - 1) / GroupElements;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LimbIndex(int element, int digit) =>
        element / GroupElements * GroupWords + digit * GroupElements + element % GroupElements;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<double> values, int offset = 0)
    {
        int i = 0;
        for (; i < values.Length && (offset + i) % GroupElements != 0; i++) Deposit(offset + i, values[i]);
        if (Avx2.IsSupported)
            for (; i <= values.Length - 4; i += 4)
                if (!TryDepositFour(offset + i, Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)i)))
                    for (int k = i; k < i + 4; k++) Deposit(offset + k, values[k]);
        for (; i < values.Length; i++) Deposit(offset + i, values[i]);
    }

    /// <summary>Deposits values[0..3] into elements index … index + 3 (one group: index is a multiple of 4) when each
    /// is zero or a normal number inside the window and the non-zero ones share their first limb; otherwise deposits
    /// nothing and returns false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryDepositFour(int index, Vector256<double> values)
    {
        var bits = values.AsInt64();
        var biased = Vector256.ShiftRightLogical(bits, 52) & Vector256.Create(0x7FFL);
        var shift = biased - Vector256.Create(1075L + LowestExponent);
        // Normal and inside the window: 0 ≤ shift ≤ MaxShift, one unsigned comparison (excludes zeros, subnormals, ±∞,
        // NaN).
        var inside = Vector256.LessThanOrEqual(shift.AsUInt64(), Vector256.Create((ulong)MaxShift)).AsInt64();
        var limb = Vector256.ShiftRightArithmetic(shift, 5);
        var mantissa = ((bits & Vector256.Create(0xF_FFFF_FFFF_FFFFL)) | Vector256.Create(1L << 52)).AsUInt64();
        long first;
        if (Vector256.EqualsAll(inside, Vector256<long>.AllBitsSet))
        {
            // The common case: four normal values; they must share their first limb.
            first = limb.ToScalar();
            if (!Vector256.EqualsAll(limb, Vector256.Create(first))) return false;
        }
        else
        {
            // Zeros contribute nothing and may sit in any lane; every other lane must be inside and share the limb.
            var zero = Vector256.Equals(bits & Vector256.Create(long.MaxValue), Vector256<long>.Zero);
            if (!Vector256.EqualsAll(zero | inside, Vector256<long>.AllBitsSet)) return false;
            var candidate = Vector256.ConditionalSelect(zero, Vector256.Create(-1L), limb);
            first = Math.Max(Math.Max(candidate.GetElement(0), candidate.GetElement(1)),
                Math.Max(candidate.GetElement(2), candidate.GetElement(3)));
            if (first < 0) return true; // four zeros
            if (!Vector256.EqualsAll(Vector256.ConditionalSelect(zero, Vector256.Create(first), limb),
                Vector256.Create(first))) return false;
            mantissa = Vector256.ConditionalSelect(zero.AsUInt64(), Vector256<ulong>.Zero, mantissa);
        }
        var s = (shift & Vector256.Create(31L)).AsUInt64();
        var low = Avx2.ShiftLeftLogicalVariable(mantissa, s);
        var high = Avx2.ShiftRightLogicalVariable(mantissa, Vector256.Create(64UL) - s); // a count of 64 gives 0
        var sign = Vector256.LessThan(bits, Vector256<long>.Zero); // −1 for negative values
        var d0 = ((low & Vector256.Create(0xFFFF_FFFFUL)).AsInt64() ^ sign) - sign;
        var d1 = (Vector256.ShiftRightLogical(low, 32).AsInt64() ^ sign) - sign;
        var d2 = (high.AsInt64() ^ sign) - sign;
        ref long plane = ref _limbs[LimbIndex(index, (int)first)];
        (Vector256.LoadUnsafe(ref plane) + d0).StoreUnsafe(ref plane);
        (Vector256.LoadUnsafe(ref plane, GroupElements) + d1).StoreUnsafe(ref plane, GroupElements);
        (Vector256.LoadUnsafe(ref plane, 2 * GroupElements) + d2).StoreUnsafe(ref plane, 2 * GroupElements);
        return true;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddScaled(double scale, ReadOnlySpan<double> values, int offset)
    {
        for (int i = 0; i < values.Length; i++) Deposit(offset + i, scale * values[i]);
    }

    /// <inheritdoc />
    public void Add(int index, double value) => Deposit(index, value);

    /// <summary>Rounds the totals of elements [<paramref name="start"/>, <paramref name="start"/> + result.Length) from
    /// <paramref name="limbs"/>, the limbs of <see cref="LimbRange"/> of those elements (summed over ranks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Round(ReadOnlySpan<long> limbs, int start, Span<double> result)
    {
        Span<long> element = stackalloc long[LimbsPerValue];
        int firstGroup = start / GroupElements;
        for (int i = 0; i < result.Length; i++)
        {
            int e = start + i, at = (e / GroupElements - firstGroup) * GroupWords + e % GroupElements;
            for (int k = 0; k < LimbsPerValue; k++) element[k] = limbs[at + k * GroupElements];
            result[i] = Round(element);
        }
    }

    /// <summary>Splits <paramref name="value"/> into its three 32-bit digits at the window's fixed positions: digits
    /// <paramref name="digit"/>, + 1 and + 2 (unsigned magnitudes; <paramref name="negative"/> gives the sign), and the
    /// digit that holds its leading bit. Parts below 2^-320 are truncated. Returns false for zero (or a value wholly
    /// below the window). Shared by <see cref="WindowedVectorSum"/>, so that both sums cut values alike.</summary>
    /// <exception cref="NonFiniteValueException">NaN, ±∞, or |x| ≥ 2^244.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Digits(double value, out int digit, out long d0, out long d1, out long d2, out int leading,
        out bool negative)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong mantissa = (ulong)bits & 0xF_FFFF_FFFF_FFFFUL;
        (digit, d0, d1, d2, leading, negative) = (0, 0, 0, 0, 0, bits < 0);
        if (biased == 0x7FF) throw new NonFiniteValueException($"non-finite value {value} in a sum");
        if (biased == 0 && mantissa == 0) return false;
        int exponent = biased == 0 ? -1074 : biased - 1075;
        if (biased != 0) mantissa |= 1UL << 52;
        int shift = exponent - LowestExponent;
        if (shift < 0)
        {
            if (shift <= -53) return false;
            mantissa >>= -shift;
            shift = 0;
        }
        if (shift > MaxShift) throw new NonFiniteValueException($"value {value:R} is too large for the exact sum " +
            $"(|x| ≥ 2^244)");
        digit = shift >> 5;
        leading = (shift + 63 - (int)ulong.LeadingZeroCount(mantissa)) >> 5;
        int s = shift & 31;
        ulong low = mantissa << s;
        ulong high = s == 0 ? 0 : mantissa >> (64 - s);
        (d0, d1, d2) = ((long)(low & 0xFFFF_FFFFUL), (long)(low >> 32), (long)high);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deposit(int index, double value)
    {
        if (!Digits(value, out int digit, out long d0, out long d1, out long d2, out _, out bool negative)) return;
        int plane = GroupElements, limb = LimbIndex(index, digit);
        if (negative) { _limbs[limb] -= d0; _limbs[limb + plane] -= d1; _limbs[limb + 2 * plane] -= d2; }
        else { _limbs[limb] += d0; _limbs[limb + plane] += d1; _limbs[limb + 2 * plane] += d2; }
    }

    /// <summary>Rounds the exact value held by one element's limbs to the nearest double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Round(ReadOnlySpan<long> limbs)
    {
        Span<ulong> digits = stackalloc ulong[LimbsPerValue + 2];
        bool negative = Normalize(limbs, digits, negate: false);
        if (negative) Normalize(limbs, digits, negate: true);
        int top = digits.Length - 1;
        while (top >= 0 && digits[top] == 0) top--;
        if (top < 0) return 0.0;
        ulong d1 = top >= 1 ? digits[top - 1] : 0, d2 = top >= 2 ? digits[top - 2] : 0;
        var window = ((UInt128)digits[top] << 64) | ((UInt128)d1 << 32) | d2;
        bool sticky = false;
        for (int k = top - 3; k >= 0 && !sticky; k--) sticky = digits[k] != 0;
        int leading = (int)UInt128.LeadingZeroCount(window);
        window <<= leading;
        ulong head = (ulong)(window >> 64);
        if ((ulong)window != 0 || sticky) head |= 1;
        int scale = (top - 2) * DigitBits + LowestExponent - leading + 64;
        double magnitude = Math.ScaleB((double)head, scale);
        return negative ? -magnitude : magnitude;
    }

    /// <summary>Propagates carries so that every digit is in [0, 2^32); returns true when the value is negative
    /// (then the digits are meaningless, and the caller normalizes the negated limbs).</summary>
    private static bool Normalize(ReadOnlySpan<long> limbs, Span<ulong> digits, bool negate)
    {
        Int128 carry = 0;
        for (int k = 0; k < digits.Length; k++)
        {
            Int128 t = carry + (k < limbs.Length ? (negate ? -(Int128)limbs[k] : limbs[k]) : 0);
            digits[k] = (ulong)(t & 0xFFFF_FFFF);
            carry = t >> DigitBits;
        }
        return carry < 0;
    }
}
