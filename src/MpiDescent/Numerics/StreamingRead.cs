using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>The reference for the kernels' bandwidth: a plain vectorized sum of every value, which reads each byte once
/// and does the least work possible per byte.</summary>
public static class StreamingRead
{
    /// <summary>Σ values (four independent vector accumulators).</summary>
    public static double Sum(ReadOnlySpan<double> values) => Sum<double>(values);

    /// <summary>Σ values as stored (float64 or float32; float32 is summed in float: a bandwidth reference, not an
    /// accurate sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, k = 0, n = values.Length;
        ref T r = ref MemoryMarshal.GetReference(values);
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
        bool prefetch = SoftwarePrefetch.Enabled; // as the kernels do, so that the reference is the faster read
        for (; k <= n - 4 * w; k += 4 * w)
        {
            if (prefetch) SoftwarePrefetch.Ahead(ref Unsafe.Add(ref r, k), 4 * w);
            a0 += Vector.LoadUnsafe(ref r, (nuint)k);
            a1 += Vector.LoadUnsafe(ref r, (nuint)(k + w));
            a2 += Vector.LoadUnsafe(ref r, (nuint)(k + 2 * w));
            a3 += Vector.LoadUnsafe(ref r, (nuint)(k + 3 * w));
        }
        T sum = Vector.Sum(a0 + a1 + a2 + a3);
        for (; k < n; k++) sum += values[k];
        return double.CreateTruncating(sum);
    }
}
