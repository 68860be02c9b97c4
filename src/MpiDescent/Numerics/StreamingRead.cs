using System.Numerics;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>The reference for the kernels' bandwidth: a plain vectorized sum of every value, which reads each byte once
/// and does the least work possible per byte.</summary>
public static class StreamingRead
{
    /// <summary>Σ values (four independent vector accumulators).</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        int w = Vector<double>.Count, k = 0, n = values.Length;
        ref double r = ref MemoryMarshal.GetReference(values);
        Vector<double> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; k <= n - 4 * w; k += 4 * w)
        {
            a0 += Vector.LoadUnsafe(ref r, (nuint)k);
            a1 += Vector.LoadUnsafe(ref r, (nuint)(k + w));
            a2 += Vector.LoadUnsafe(ref r, (nuint)(k + 2 * w));
            a3 += Vector.LoadUnsafe(ref r, (nuint)(k + 3 * w));
        }
        double sum = Vector.Sum(a0 + a1 + a2 + a3);
        for (; k < n; k++) sum += values[k];
        return sum;
    }

    /// <summary>Σ values of float32 data (four independent vector accumulators, in float: a bandwidth reference, not an
    /// accurate sum).</summary>
    public static double Sum(ReadOnlySpan<float> values)
    {
        int w = Vector<float>.Count, k = 0, n = values.Length;
        ref float r = ref MemoryMarshal.GetReference(values);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; k <= n - 4 * w; k += 4 * w)
        {
            a0 += Vector.LoadUnsafe(ref r, (nuint)k);
            a1 += Vector.LoadUnsafe(ref r, (nuint)(k + w));
            a2 += Vector.LoadUnsafe(ref r, (nuint)(k + 2 * w));
            a3 += Vector.LoadUnsafe(ref r, (nuint)(k + 3 * w));
        }
        double sum = Vector.Sum(a0 + a1 + a2 + a3);
        for (; k < n; k++) sum += values[k];
        return sum;
    }

    /// <summary>Σ values of the rows as stored (float64 or float32).</summary>
    public static double Sum(FeatureRows rows) => rows.IsSingle ? Sum(rows.Singles) : Sum(rows.Doubles);
}
