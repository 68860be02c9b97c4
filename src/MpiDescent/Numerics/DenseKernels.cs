using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// The hot loops over row-major dense rows, vectorized with <see cref="Vector{T}"/> (the widest the CPU offers) and a
/// scalar tail. Rows may be float64 or float32: float32 values are widened to double in registers as they are loaded
/// (<see cref="Widening"/>), so every product and sum is computed in double, in the same order as for float64 rows. The
/// order of operations depends only on the row length, never on where a row lives, which the bitwise reproducibility
/// relies on.
/// </summary>
public static class DenseKernels
{
    /// <summary>Σ a[k]·b[k], with four independent vector accumulators (so that the loop is not bound by the latency
    /// of one chain of fused multiply-adds) and a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => RowDot(a, b);

    /// <summary><see cref="RowDot{T}(ReadOnlySpan{T}, ReadOnlySpan{double})"/>, first prefetching the row
    /// <see cref="SoftwarePrefetch.DistanceBytes"/> ahead when <paramref name="prefetch"/> is set (the rows of a pass
    /// are contiguous).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double RowDot<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> w, bool prefetch) where T : unmanaged
    {
        if (prefetch) SoftwarePrefetch.Ahead(ref MemoryMarshal.GetReference(row), row.Length);
        return RowDot(row, w);
    }

    /// <summary><see cref="Dot"/> with a row of double or float values (widened exactly, with the same operations in
    /// the same order as for the same values stored as double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double RowDot<T>(ReadOnlySpan<T> a, ReadOnlySpan<double> b) where T : unmanaged
    {
        int n = a.Length, w = Vector<double>.Count, k = 0;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        Vector<double> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (; k <= n - 4 * w; k += 4 * w)
        {
            acc0 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
            acc1 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + w)), Vector.LoadUnsafe(ref rb, (nuint)(k
                + w)), acc1);
            acc2 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + 2 * w)), Vector.LoadUnsafe(ref rb,
                (nuint)(k + 2 * w)), acc2);
            acc3 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + 3 * w)), Vector.LoadUnsafe(ref rb,
                (nuint)(k + 3 * w)), acc3);
        }
        for (; k <= n - w; k += w)
            acc0 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
        double sum = Vector.Sum((acc0 + acc1) + (acc2 + acc3));
        for (; k < n; k++) sum = Math.FusedMultiplyAdd(Widening.At(ref ra, k), Unsafe.Add(ref rb, k), sum);
        return sum;
    }

    /// <summary>y[k] += alpha·x[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, w = Vector<double>.Count, k = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        var va = new Vector<double>(alpha);
        for (; k <= n - w; k += w)
            Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref rx, (nuint)k), Vector.LoadUnsafe(ref ry,
                (nuint)k)).StoreUnsafe(ref ry, (nuint)k);
        for (; k < n; k++) Unsafe.Add(ref ry, k) = Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, k),
            Unsafe.Add(ref ry, k));
    }

    /// <summary>The most rows per sub-block of any layout's pass (<see cref="IRowBlock.SubBlockRows"/>).</summary>
    public const int MaxSubBlockRows = 32;

    /// <summary>Rows per sub-block of the pass over dense rows (their values and residuals stay in L1 cache between the
    /// margins and the transposed product): 8 for 33-256 values per row in float64 and 65-256 in float32, else 32.
    /// Chosen from comparisons in one process, interleaved (`bench`): at d = 128 eight rows beat 32 by 34-37% (float64)
    /// and 11-16% (float32; 32 rows of 1 KB fill the 32 KB L1), at d = 256 by 7-10%, at d = 64 by 8-9% in float64 while
    /// float32 was 9% slower; at d = 512 32 rows win by 5% (float64) and 17-23% (float32), at d = 32 there is no
    /// difference. The results do not depend on it: every sum runs over the rows in order either way
    /// (tested).</summary>
    internal static int SubBlockRows<T>(int d) =>
        (typeof(T) == typeof(float) ? d is > 64 and <= 256 : d is > 32 and <= 256) ? 8 : MaxSubBlockRows;

    /// <summary>g[j] += Σᵢ r[i]·rows[i, j] for the rows of one sub-block, in row order per element, with column chunks
    /// of up to eight vectors accumulated in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddTransposeProduct<T>(ReadOnlySpan<T> rows, ReadOnlySpan<double> r, int d, Span<double> g)
        where T : unmanaged
    {
        int w = Vector<double>.Count, n = r.Length, j = 0;
        ref T x0 = ref MemoryMarshal.GetReference(rows);
        ref double g0 = ref MemoryMarshal.GetReference(g);
        for (; j <= d - 8 * w; j += 8 * w)
        {
            var a0 = Vector.LoadUnsafe(ref g0, (nuint)j); var a1 = Vector.LoadUnsafe(ref g0, (nuint)(j + w));
            var a2 = Vector.LoadUnsafe(ref g0, (nuint)(j + 2 * w)); var a3 = Vector.LoadUnsafe(ref g0, (nuint)(j
                + 3 * w));
            var a4 = Vector.LoadUnsafe(ref g0, (nuint)(j + 4 * w)); var a5 = Vector.LoadUnsafe(ref g0, (nuint)(j
                + 5 * w));
            var a6 = Vector.LoadUnsafe(ref g0, (nuint)(j + 6 * w)); var a7 = Vector.LoadUnsafe(ref g0, (nuint)(j
                + 7 * w));
            for (int i = 0; i < n; i++)
            {
                var ri = new Vector<double>(r[i]);
                nuint o = (nuint)(i * d + j);
                a0 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o), a0);
                a1 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)w), a1);
                a2 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(2 * w)), a2);
                a3 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(3 * w)), a3);
                a4 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(4 * w)), a4);
                a5 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(5 * w)), a5);
                a6 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(6 * w)), a6);
                a7 = Vector.FusedMultiplyAdd(ri, Widening.Load(ref x0, o + (nuint)(7 * w)), a7);
            }
            a0.StoreUnsafe(ref g0, (nuint)j); a1.StoreUnsafe(ref g0, (nuint)(j + w));
            a2.StoreUnsafe(ref g0, (nuint)(j + 2 * w)); a3.StoreUnsafe(ref g0, (nuint)(j + 3 * w));
            a4.StoreUnsafe(ref g0, (nuint)(j + 4 * w)); a5.StoreUnsafe(ref g0, (nuint)(j + 5 * w));
            a6.StoreUnsafe(ref g0, (nuint)(j + 6 * w)); a7.StoreUnsafe(ref g0, (nuint)(j + 7 * w));
        }
        for (; j <= d - w; j += w)
        {
            var a = Vector.LoadUnsafe(ref g0, (nuint)j);
            for (int i = 0; i < n; i++) a = Vector.FusedMultiplyAdd(new Vector<double>(r[i]), Widening.Load(ref x0,
                (nuint)(i * d + j)), a);
            a.StoreUnsafe(ref g0, (nuint)j);
        }
        for (; j < d; j++)
        {
            double a = g[j];
            for (int i = 0; i < n; i++) a = Math.FusedMultiplyAdd(r[i], Widening.At(ref x0, i * d + j), a);
            g[j] = a;
        }
    }

    /// <summary>g[j] += Σᵢ r[i]·rows[i, j]² for the rows of one sub-block, in row order per element (the diagonal of
    /// XᵀDX that Newton's preconditioner needs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddSquaredTransposeProduct<T>(ReadOnlySpan<T> rows, ReadOnlySpan<double> r, int d,
        Span<double> g)
        where T : unmanaged
    {
        int w = Vector<double>.Count, n = r.Length;
        ref T x0 = ref MemoryMarshal.GetReference(rows);
        ref double g0 = ref MemoryMarshal.GetReference(g);
        for (int i = 0; i < n; i++)
        {
            double ri = r[i];
            if (ri == 0) continue;
            var rv = new Vector<double>(ri);
            int j = 0;
            for (; j <= d - w; j += w)
            {
                var x = Widening.Load(ref x0, (nuint)(i * d + j));
                Vector.FusedMultiplyAdd(rv * x, x, Vector.LoadUnsafe(ref g0, (nuint)j)).StoreUnsafe(ref g0, (nuint)j);
            }
            for (; j < d; j++)
            {
                double x = Widening.At(ref x0, i * d + j);
                g[j] = Math.FusedMultiplyAdd(ri * x, x, g[j]);
            }
        }
    }
}
