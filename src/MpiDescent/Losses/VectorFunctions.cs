using System.Numerics;
using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>
/// exp and log(1 + x) on <see cref="Vector{T}"/> lanes, to about 1 ulp, for the classification losses (a scalar
/// Math.Exp and Math.Log per row made the logistic gradient compute-bound below memory bandwidth).
/// </summary>
public static class VectorFunctions
{
    private const double Log2E = 1.4426950408889634, Ln2Hi = 0.6931471803691238, Ln2Lo = 1.9082149292705877e-10;

    /// <summary>eˣ for x ≤ 0: x = k·ln 2 + r with |r| ≤ ln2/2 (Cody-Waite), eʳ by its Taylor polynomial to r¹³/13!,
    /// times 2ᵏ. Below −708 the result is 0 (where eˣ is subnormal or zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> ExpNonPositive(Vector<double> x)
    {
        var tiny = Vector.LessThan(x, new Vector<double>(-708.0));
        x = Vector.Max(x, new Vector<double>(-708.0));
        var k = Vector.Round(x * new Vector<double>(Log2E));
        var r = x - k * new Vector<double>(Ln2Hi) - k * new Vector<double>(Ln2Lo);
        var p = new Vector<double>(1.0 / 6227020800.0);                   // 1/13!
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 479001600.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 39916800.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 3628800.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 362880.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 40320.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 5040.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 720.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 120.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 24.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 6.0));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(0.5));
        p = Vector.FusedMultiplyAdd(p, r, Vector<double>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<double>.One);
        var scale = Vector.AsVectorDouble(Vector.ShiftLeft(Vector.ConvertToInt64(k) + new Vector<long>(1023), 52));
        return Vector.ConditionalSelect(tiny, Vector<double>.Zero, p * scale);
    }

    /// <summary>log(1 + e) for 0 ≤ e ≤ 1: 2·atanh(s) with s = e/(2 + e) ≤ 1/3, by its series to s³³/33.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Log1pUnit(Vector<double> e)
    {
        var s = e / (new Vector<double>(2.0) + e);
        var s2 = s * s;
        var p = new Vector<double>(1.0 / 33);
        for (int k = 31; k >= 1; k -= 2) p = Vector.FusedMultiplyAdd(p, s2, new Vector<double>(1.0 / k));
        return new Vector<double>(2.0) * s * p;
    }

    /// <summary>log(1 + e) for 0 ≤ e ≤ 1, scalar, by the same series as the vector overload: accurate where
    /// Math.Log(1 + e) is not (forming 1 + e rounds away e's low digits; below e ≈ 1e-16 it gives 0 or 2⁻⁵²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log1pUnit(double e)
    {
        double s = e / (2.0 + e), s2 = s * s, p = 1.0 / 33;
        for (int k = 31; k >= 1; k -= 2) p = Math.FusedMultiplyAdd(p, s2, 1.0 / k);
        return 2.0 * s * p;
    }
}
