using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// The hot loops over row-major dense rows, vectorized with <see cref="Vector{T}"/> (the widest the CPU offers)
/// and a scalar tail. The order of operations depends only on the row length, never on where a row lives,
/// which the bitwise reproducibility relies on.
/// </summary>
public static class DenseKernels
{
    /// <summary>Σ a[k]·b[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, w = Vector<double>.Count, k = 0;
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        for (; k <= n - 2 * w; k += 2 * w)
        {
            acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
            acc1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(k + w)), Vector.LoadUnsafe(ref rb, (nuint)(k + w)), acc1);
        }
        for (; k <= n - w; k += w)
            acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)k), Vector.LoadUnsafe(ref rb, (nuint)k), acc0);
        double sum = Vector.Sum(acc0 + acc1);
        for (; k < n; k++) sum = Math.FusedMultiplyAdd(Unsafe.Add(ref ra, k), Unsafe.Add(ref rb, k), sum);
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
            Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref rx, (nuint)k), Vector.LoadUnsafe(ref ry, (nuint)k)).StoreUnsafe(ref ry, (nuint)k);
        for (; k < n; k++) Unsafe.Add(ref ry, k) = Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, k), Unsafe.Add(ref ry, k));
    }

    /// <summary>
    /// The least-squares pass over one block of rows, fused: for each row the residual r = x·w + b − y, then
    /// gradient += r·x. Writes Σ r·x to <paramref name="gradW"/>, returns Σ r² and Σ r.
    /// </summary>
    public static (double SumSquares, double SumResiduals) LeastSquaresBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, double b, Span<double> gradW)
    {
        int d = w.Length;
        gradW.Clear();
        double sumSquares = 0, sumResiduals = 0;
        for (int i = 0; i < y.Length; i++)
        {
            var row = x.Slice(i * d, d);
            double r = Dot(row, w) + b - y[i];
            sumSquares = Math.FusedMultiplyAdd(r, r, sumSquares);
            sumResiduals += r;
            Axpy(r, row, gradW);
        }
        return (sumSquares, sumResiduals);
    }
}
