using System.Runtime.CompilerServices;
using MpiDescent.Losses;

namespace MpiDescent.Numerics;

/// <summary>
/// The pass that fixes a linear model's Hessian at a point, for Newton's method, over one block of rows: each row's
/// second derivative Dᵢ = ℓ''(zᵢ) (softmax: its K class probabilities, whose Hessian is diag(p) − ppᵀ) is kept for the
/// Hessian-vector products that follow (<see cref="CurvatureProduct"/>, <see cref="SoftmaxCurvatureProduct"/>), and
/// the Hessian's diagonal is summed, Σᵢ tᵢDᵢx²ᵢⱼ for the weights and Σᵢ tᵢDᵢ for the intercepts (softmax:
/// p_k(1 − p_k) in place of Dᵢ), for the preconditioner. Like <see cref="LinearPass"/>, every sum runs over the rows in
/// order, so the result depends only on the block.
/// </summary>
public static class CurvaturePass
{
    /// <summary>Runs the pass; writes the curvature of row i into <paramref name="curvature"/>[i] (softmax: [i·K,
    /// i·K + K)), and the diagonal sums into <paramref name="diagonalW"/> (K·d) and <paramref name="diagonalB"/>
    /// (K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TLoss, TRows>(in TLoss loss, TRows x, ReadOnlySpan<double> y, ReadOnlySpan<double> w,
        ReadOnlySpan<double> b, Span<double> curvature, Span<double> diagonalW, Span<double> diagonalB,
        PassWorkspace workspace, ReadOnlySpan<double> trainWeights = default)
        where TLoss : struct, ILoss where TRows : IRowBlock, allows ref struct
    {
        int outputs = loss.Outputs, d = x.Features, subBlock = x.SubBlockRows;
        if (!x.IsSparse) diagonalW.Clear();
        diagonalB.Clear();
        var z = workspace.Margins.AsSpan();
        var r = workspace.Derivatives.AsSpan();
        var values = workspace.Values.AsSpan();
        bool weighted = !trainWeights.IsEmpty;
        for (int first = 0; first < x.Count; first += subBlock)
        {
            int n = Math.Min(subBlock, x.Count - first);
            for (int k = 0; k < outputs; k++)
            {
                var zk = z.Slice(k * n, n);
                x.Margins(first, w.Slice(k * d, d), zk);
                for (int i = 0; i < n; i++) zk[i] += b[k];
            }
            if (outputs == 1)
                for (int i = 0; i < n; i++)
                {
                    double second = loss.SecondDerivative(z[i], y[first + i]);
                    curvature[first + i] = second;
                    r[i] = weighted ? trainWeights[first + i] * second : second;
                }
            else
            {
                // The loss's derivatives are p_k − [k = y]: the probabilities follow (to an absolute rounding error
                // of 2⁻⁵³ for the label's class).
                loss.EvaluateMany(z[..(outputs * n)], y.Slice(first, n), values[..n], r[..(outputs * n)]);
                for (int i = 0; i < n; i++)
                {
                    int label = (int)y[first + i];
                    double t = weighted ? trainWeights[first + i] : 1;
                    for (int k = 0; k < outputs; k++)
                    {
                        double p = r[k * n + i] + (k == label ? 1 : 0);
                        curvature[(first + i) * outputs + k] = p;
                        r[k * n + i] = t * p * (1 - p);
                    }
                }
            }
            for (int k = 0; k < outputs; k++)
            {
                var rk = r.Slice(k * n, n);
                double bias = diagonalB[k];
                for (int i = 0; i < n; i++) bias += rk[i];
                diagonalB[k] = bias;
                x.AddSquaredTransposeProduct(first, rk, diagonalW.Slice(k * d, d));
            }
        }
    }
}
