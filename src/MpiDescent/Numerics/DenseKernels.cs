using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// The hot loops over row-major dense rows, vectorized with <see cref="Vector{T}"/> (the widest the CPU offers)
/// and a scalar tail. Rows may be float64 or float32 (<see cref="FeatureRows"/>): float32 values are widened to double
/// in registers as they are loaded (<see cref="Widening"/>), so every product and sum is computed in double, in the same
/// order as for float64 rows. The order of operations depends only on the row length, never on where a row lives,
/// which the bitwise reproducibility relies on.
/// </summary>
public static class DenseKernels
{
    /// <summary>Σ a[k]·b[k], with four independent vector accumulators (so that the loop is not bound by the latency
    /// of one chain of fused multiply-adds) and a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => RowDot(a, b);

    /// <summary><see cref="Dot"/> with a row of double or float values (widened exactly, with the same operations in the
    /// same order as for the same values stored as double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double RowDot<T>(ReadOnlySpan<T> a, ReadOnlySpan<double> b) where T : unmanaged
    {
        int n = a.Length, w = Vector<double>.Count, k = 0;
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        Vector<double> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (; k <= n - 4 * w; k += 4 * w)
        {
            acc0 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
            acc1 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + w)), Vector.LoadUnsafe(ref rb, (nuint)(k + w)), acc1);
            acc2 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + 2 * w)), Vector.LoadUnsafe(ref rb, (nuint)(k + 2 * w)), acc2);
            acc3 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)(k + 3 * w)), Vector.LoadUnsafe(ref rb, (nuint)(k + 3 * w)), acc3);
        }
        for (; k <= n - w; k += w)
            acc0 = Vector.FusedMultiplyAdd(Widening.Load(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
        double sum = Vector.Sum((acc0 + acc1) + (acc2 + acc3));
        for (; k < n; k++) sum = Math.FusedMultiplyAdd(Widening.At(ref ra, k), Unsafe.Add(ref rb, k), sum);
        return sum;
    }

    /// <summary><see cref="RowDot{T}"/>, first prefetching the row <see cref="SoftwarePrefetch.DistanceBytes"/> ahead when
    /// <paramref name="prefetch"/> is set (the rows of a pass are contiguous).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double RowDotAhead<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> w, bool prefetch) where T : unmanaged
    {
        if (prefetch) SoftwarePrefetch.Ahead(ref MemoryMarshal.GetReference(row), row.Length);
        return RowDot(row, w);
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
            Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref rx, (nuint)k), Vector.LoadUnsafe(ref ry, (nuint)k)).StoreUnsafe(ref ry, (nuint)k);
        for (; k < n; k++) Unsafe.Add(ref ry, k) = Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, k), Unsafe.Add(ref ry, k));
    }

    /// <summary>Rows per sub-block: their residuals and rows stay in L1 cache between the two halves of the pass.</summary>
    private const int SubBlockRows = 32;

    /// <summary>Rows per sub-block of the linear pass: 8 for 33-256 values per row in float64 and 65-256 in float32, else
    /// 32. Chosen from comparisons in one process, interleaved (`bench`): at d = 128 eight rows beat 32 by 34-37%
    /// (float64) and 11-16% (float32; 32 rows of 1 KB fill the 32 KB L1), at d = 256 by 7-10%, at d = 64 by 8-9% in
    /// float64 while float32 was 9% slower; at d = 512 32 rows win by 5% (float64) and 17-23% (float32), at d = 32 there
    /// is no difference. The results do not depend on it: every sum runs over the rows in order either way (tested).</summary>
    private static int LinearSubBlockRows<T>(int d) =>
        (typeof(T) == typeof(float) ? d is > 64 and <= 256 : d is > 32 and <= 256) ? 8 : SubBlockRows;

    /// <summary>
    /// The pass of a linear model over one block of rows: for each row z = x·w + b and (ℓ, ℓ′) = loss(z, y); the row's
    /// training weight tᵢ scales both (empty <paramref name="trainWeights"/>: every tᵢ = 1), and its validation weight vᵢ
    /// adds vᵢ·ℓ to the validation loss; then Σ tᵢℓ′·x into <paramref name="gradW"/>. Returns Σ tᵢℓ, Σ tᵢℓ′ (the
    /// intercept's gradient) and Σ vᵢℓ. Rows are taken 32 at a time: derivatives first (the rows come from memory), then
    /// Xᵀr over the same rows (now in L1) with the gradient held in registers, so the gradient buffer is loaded and stored
    /// once per 32 rows instead of once per row. Each gradient element accumulates its rows in order with fused
    /// multiply-add, so the result depends only on the block.
    /// </summary>
    public static (double SumLoss, double SumDerivative, double ValidationLoss) LinearBlock<TLoss>(FeatureRows x, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, double b, Span<double> gradW, ReadOnlySpan<double> trainWeights = default, ReadOnlySpan<double> validationWeights = default)
        where TLoss : struct, Losses.ILoss => x.IsSingle
        ? LinearBlock<TLoss, float>(x.Singles, y, w, b, gradW, trainWeights, validationWeights)
        : LinearBlock<TLoss, double>(x.Doubles, y, w, b, gradW, trainWeights, validationWeights);

    /// <summary>The linear pass over float64 rows (see the <see cref="FeatureRows"/> overload).</summary>
    public static (double SumLoss, double SumDerivative, double ValidationLoss) LinearBlock<TLoss>(ReadOnlySpan<double> x, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, double b, Span<double> gradW, ReadOnlySpan<double> trainWeights = default, ReadOnlySpan<double> validationWeights = default)
        where TLoss : struct, Losses.ILoss => LinearBlock<TLoss, double>(x, y, w, b, gradW, trainWeights, validationWeights);

    [SkipLocalsInit] // the sub-block buffers are written before they are read
    private static (double SumLoss, double SumDerivative, double ValidationLoss) LinearBlock<TLoss, T>(ReadOnlySpan<T> x, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, double b, Span<double> gradW, ReadOnlySpan<double> trainWeights, ReadOnlySpan<double> validationWeights)
        where TLoss : struct, Losses.ILoss where T : unmanaged
    {
        int d = w.Length;
        var loss = default(TLoss);
        gradW.Clear();
        Span<double> r = stackalloc double[SubBlockRows];
        Span<double> z = stackalloc double[SubBlockRows];
        Span<double> values = stackalloc double[SubBlockRows];
        double sumLoss = 0, sumDerivative = 0, validation = 0;
        bool weighted = !trainWeights.IsEmpty, validating = !validationWeights.IsEmpty;
        int subBlock = LinearSubBlockRows<T>(d);
        bool prefetch = SoftwarePrefetch.Enabled && y.Length > 1; // not for sgd's single sampled rows: nothing follows them
        for (int first = 0; first < y.Length; first += subBlock)
        {
            int n = Math.Min(subBlock, y.Length - first);
            var rows = x.Slice(first * d, n * d);
            if (loss.Batched)
            {
                for (int i = 0; i < n; i++) z[i] = RowDotAhead(rows.Slice(i * d, d), w, prefetch) + b;
                loss.EvaluateMany(z[..n], y.Slice(first, n), values[..n], r[..n]);
            }
            for (int i = 0; i < n; i++)
            {
                var (value, derivative) = loss.Batched ? (values[i], r[i]) : loss.Evaluate(RowDotAhead(rows.Slice(i * d, d), w, prefetch) + b, y[first + i]);
                if (validating) validation += validationWeights[first + i] * value;
                if (weighted)
                {
                    double t = trainWeights[first + i];
                    value *= t;
                    derivative *= t;
                }
                r[i] = derivative;
                sumLoss += value;
                sumDerivative += derivative;
            }
            AccumulateTransposeProduct(rows, r[..n], d, gradW);
        }
        return (sumLoss, sumDerivative, validation);
    }

    /// <summary>
    /// The softmax (multinomial logistic) pass over one block: for each row z_k = x·w_k + b_k (w_k = row k of the K×d
    /// <paramref name="w"/>), p = softmax(z) computed stably, loss −z_y + log Σ e^(z_k); then for each class
    /// ∂/∂w_k += Σᵢ (p_ik − [yᵢ = k])·xᵢ and ∂/∂b_k += Σᵢ (p_ik − [yᵢ = k]). Rows are taken 32 at a time, as in the
    /// linear pass; training and validation weights as there. Returns Σ tᵢ·loss and Σ vᵢ·loss.
    /// </summary>
    public static (double SumLoss, double ValidationLoss) SoftmaxBlock(FeatureRows x, ReadOnlySpan<double> y, ReadOnlySpan<double> w,
        ReadOnlySpan<double> b, int classes, Span<double> gradW, Span<double> gradB, ReadOnlySpan<double> trainWeights = default,
        ReadOnlySpan<double> validationWeights = default) => x.IsSingle
        ? SoftmaxBlock<float>(x.Singles, y, w, b, classes, gradW, gradB, trainWeights, validationWeights)
        : SoftmaxBlock<double>(x.Doubles, y, w, b, classes, gradW, gradB, trainWeights, validationWeights);

    /// <summary>The softmax pass over float64 rows (see the <see cref="FeatureRows"/> overload).</summary>
    public static (double SumLoss, double ValidationLoss) SoftmaxBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> w,
        ReadOnlySpan<double> b, int classes, Span<double> gradW, Span<double> gradB, ReadOnlySpan<double> trainWeights = default,
        ReadOnlySpan<double> validationWeights = default) =>
        SoftmaxBlock<double>(x, y, w, b, classes, gradW, gradB, trainWeights, validationWeights);

    private static (double SumLoss, double ValidationLoss) SoftmaxBlock<T>(ReadOnlySpan<T> x, ReadOnlySpan<double> y, ReadOnlySpan<double> w,
        ReadOnlySpan<double> b, int classes, Span<double> gradW, Span<double> gradB, ReadOnlySpan<double> trainWeights,
        ReadOnlySpan<double> validationWeights) where T : unmanaged
    {
        bool weighted = !trainWeights.IsEmpty, validating = !validationWeights.IsEmpty;
        double validation = 0;
        int d = w.Length / classes;
        gradW.Clear();
        gradB.Clear();
        Span<double> r = stackalloc double[classes * SubBlockRows]; // class-major: r[k·32 + i]
        int lanes = Vector<double>.Count, padded = (classes + lanes - 1) / lanes * lanes;
        Span<double> z = stackalloc double[padded];
        Span<double> e = stackalloc double[padded];
        z[classes..].Fill(double.NegativeInfinity); // padding lanes: e^(−∞ − max) = 0
        double sumLoss = 0;
        for (int first = 0; first < y.Length; first += SubBlockRows)
        {
            int n = Math.Min(SubBlockRows, y.Length - first);
            var rows = x.Slice(first * d, n * d);
            for (int i = 0; i < n; i++)
            {
                var row = rows.Slice(i * d, d);
                double max = double.NegativeInfinity;
                for (int k = 0; k < classes; k++) { z[k] = RowDot(row, w.Slice(k * d, d)) + b[k]; max = Math.Max(max, z[k]); }
                // e_k = exp(z_k − max) ≤ 1, all classes at once (VectorFunctions, ~1 ulp), then summed in class order.
                for (int k = 0; k < padded; k += lanes)
                    VectorFunctions.ExpNonPositive(new Vector<double>(z.Slice(k, lanes)) - new Vector<double>(max)).CopyTo(e.Slice(k, lanes));
                double sum = 0;
                for (int k = 0; k < classes; k++) sum += e[k];
                int label = (int)y[first + i];
                double rowLoss = max + Math.Log(sum) - z[label];
                if (validating) validation += validationWeights[first + i] * rowLoss;
                double t = weighted ? trainWeights[first + i] : 1;
                sumLoss += t * rowLoss;
                for (int k = 0; k < classes; k++)
                {
                    double residual = t * (e[k] / sum - (k == label ? 1 : 0));
                    r[k * SubBlockRows + i] = residual;
                    gradB[k] += residual;
                }
            }
            for (int k = 0; k < classes; k++) AccumulateTransposeProduct(rows, r.Slice(k * SubBlockRows, n), d, gradW.Slice(k * d, d));
        }
        return (sumLoss, validation);
    }

    /// <summary>g[j] += Σᵢ r[i]·rows[i, j] for the rows of one sub-block, in row order per element, with column chunks of
    /// up to eight vectors accumulated in registers.</summary>
    private static void AccumulateTransposeProduct<T>(ReadOnlySpan<T> rows, ReadOnlySpan<double> r, int d, Span<double> g) where T : unmanaged
    {
        int w = Vector<double>.Count, n = r.Length, j = 0;
        ref T x0 = ref MemoryMarshal.GetReference(rows);
        ref double g0 = ref MemoryMarshal.GetReference(g);
        for (; j <= d - 8 * w; j += 8 * w)
        {
            var a0 = Vector.LoadUnsafe(ref g0, (nuint)j); var a1 = Vector.LoadUnsafe(ref g0, (nuint)(j + w));
            var a2 = Vector.LoadUnsafe(ref g0, (nuint)(j + 2 * w)); var a3 = Vector.LoadUnsafe(ref g0, (nuint)(j + 3 * w));
            var a4 = Vector.LoadUnsafe(ref g0, (nuint)(j + 4 * w)); var a5 = Vector.LoadUnsafe(ref g0, (nuint)(j + 5 * w));
            var a6 = Vector.LoadUnsafe(ref g0, (nuint)(j + 6 * w)); var a7 = Vector.LoadUnsafe(ref g0, (nuint)(j + 7 * w));
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
            for (int i = 0; i < n; i++) a = Vector.FusedMultiplyAdd(new Vector<double>(r[i]), Widening.Load(ref x0, (nuint)(i * d + j)), a);
            a.StoreUnsafe(ref g0, (nuint)j);
        }
        for (; j < d; j++)
        {
            double a = g[j];
            for (int i = 0; i < n; i++) a = Math.FusedMultiplyAdd(r[i], Widening.At(ref x0, i * d + j), a);
            g[j] = a;
        }
    }
}
