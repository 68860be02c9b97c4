using System.Runtime.CompilerServices;
using MpiDescent.Losses;

namespace MpiDescent.Numerics;

/// <summary>Scratch space of one pass: margins and derivatives of a sub-block for every output, and per-row losses.
/// Allocated once per objective, so that a pass allocates nothing.</summary>
public sealed class PassWorkspace(int outputs)
{
    /// <summary>Margins per sub-block, output-major.</summary>
    public double[] Margins { get; } = new double[outputs * DenseKernels.MaxSubBlockRows];
    /// <summary>Derivatives (then residuals) per sub-block, output-major.</summary>
    public double[] Derivatives { get; } = new double[outputs * DenseKernels.MaxSubBlockRows];
    /// <summary>Per-row loss values of a sub-block.</summary>
    public double[] Values { get; } = new double[DenseKernels.MaxSubBlockRows];
}

/// <summary>
/// The pass of a linear model over one block of rows, for any loss and any row layout: for each row the K margins
/// z_k = x·w_k + b_k (K = <see cref="ILoss.Outputs"/>; w is K × d row-major), its loss and derivatives; the row's
/// training weight tᵢ scales both (empty <c>trainWeights</c>: every tᵢ = 1) and its validation weight vᵢ adds vᵢ·ℓ to
/// the validation loss; then ∂/∂w_k = Σᵢ rᵢₖ·xᵢ and ∂/∂b_k = Σᵢ rᵢₖ. Rows are taken a sub-block at a time (<see
/// cref="IRowBlock.SubBlockRows"/>): margins first (the rows come from memory), then Xᵀr over the same rows (now in
/// L1). Every sum runs over the rows in order, so the result depends only on the block. With a clip norm C > 0
/// (differentially private SGD), each row's gradient, (rᵢ₁, …, rᵢₖ) ⊗ (xᵢ, 1), is scaled by min(1, C/‖·‖) before it is
/// summed; its norm is ‖rᵢ‖·‖(xᵢ, 1)‖ in closed form (‖xᵢ‖ without an intercept), so no per-row gradient is
/// formed.</summary>
public static class LinearPass
{
    /// <summary>Runs the pass; writes the gradient sums into <paramref name="gradW"/> (K·d) and <paramref
    /// name="gradB"/> (K), and returns Σ tᵢℓᵢ and Σ vᵢℓᵢ (unclipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double SumLoss, double ValidationLoss) Run<TLoss, TRows>(in TLoss loss, TRows x,
        ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> gradW, Span<double> gradB, PassWorkspace workspace,
        ReadOnlySpan<double> trainWeights = default, ReadOnlySpan<double> validationWeights = default,
        double clipNorm = 0, bool clipWithIntercept = false)
        where TLoss : struct, ILoss where TRows : IRowBlock, allows ref struct =>
        clipNorm > 0
            ? Run<TLoss, TRows, Clipped>(loss, x, y, w, b, gradW, gradB, workspace, trainWeights, validationWeights,
                clipNorm, clipWithIntercept ? 1 : 0)
            : Run<TLoss, TRows, Unclipped>(loss, x, y, w, b, gradW, gradB, workspace, trainWeights,
                validationWeights, 0, 0);

    /// <summary>Whether rows are clipped: a type argument, so that the JIT compiles the plain pass without the
    /// clipping's tests.</summary>
    private interface IClipMode
    {
        bool Enabled { get; }
    }

    private readonly struct Clipped : IClipMode
    {
        public bool Enabled => true;
    }

    private readonly struct Unclipped : IClipMode
    {
        public bool Enabled => false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumLoss, double ValidationLoss) Run<TLoss, TRows, TClip>(in TLoss loss, TRows x,
        ReadOnlySpan<double> y, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> gradW, Span<double> gradB,
        PassWorkspace workspace, ReadOnlySpan<double> trainWeights, ReadOnlySpan<double> validationWeights,
        double clipNorm, double interceptTerm)
        where TLoss : struct, ILoss where TRows : IRowBlock, allows ref struct where TClip : struct, IClipMode
    {
        bool clipping = default(TClip).Enabled;
        int outputs = loss.Outputs, d = x.Features, subBlock = x.SubBlockRows;
        if (!x.IsSparse) gradW.Clear(); // a sparse block's caller keeps gradW zero (see IRowBlock.IsSparse)
        gradB.Clear();
        var z = workspace.Margins.AsSpan();
        var r = workspace.Derivatives.AsSpan();
        var values = workspace.Values.AsSpan();
        bool weighted = !trainWeights.IsEmpty, validating = !validationWeights.IsEmpty;
        double sumLoss = 0, validation = 0;
        for (int first = 0; first < x.Count; first += subBlock)
        {
            int n = Math.Min(subBlock, x.Count - first);
            if (!loss.Batched)
            {
                // One margin per row, evaluated row by row in the same loop as its margin: for the cheap losses the
                // extra passes over a sub-block's margins would cost more than the loss itself.
                double sumDerivative = gradB[0];
                for (int i = 0; i < n; i++)
                {
                    var (value, derivative) = loss.Evaluate(x.Margin(first + i, w) + b[0], y[first + i]);
                    if (validating) validation += validationWeights[first + i] * value;
                    if (weighted)
                    {
                        double t = trainWeights[first + i];
                        value *= t;
                        derivative *= t;
                    }
                    if (clipping)
                        derivative *= ClipFactor(Math.Abs(derivative), x.SquaredNorm(first + i) + interceptTerm,
                            clipNorm);
                    r[i] = derivative;
                    sumLoss += value;
                    sumDerivative += derivative;
                }
                gradB[0] = sumDerivative;
                x.AddTransposeProduct(first, r[..n], gradW);
                continue;
            }
            for (int k = 0; k < outputs; k++)
            {
                var zk = z.Slice(k * n, n);
                x.Margins(first, w.Slice(k * d, d), zk);
                for (int i = 0; i < n; i++) zk[i] += b[k];
            }
            loss.EvaluateMany(z[..(outputs * n)], y.Slice(first, n), values[..n], r[..(outputs * n)]);
            for (int i = 0; i < n; i++)
            {
                double value = values[i];
                if (validating) validation += validationWeights[first + i] * value;
                if (weighted)
                {
                    double t = trainWeights[first + i];
                    value *= t;
                    for (int k = 0; k < outputs; k++) r[k * n + i] *= t;
                }
                sumLoss += value;
                if (clipping)
                {
                    double squares = 0;
                    for (int k = 0; k < outputs; k++) squares += r[k * n + i] * r[k * n + i];
                    double factor = ClipFactor(Math.Sqrt(squares), x.SquaredNorm(first + i) + interceptTerm, clipNorm);
                    for (int k = 0; k < outputs; k++) r[k * n + i] *= factor;
                }
            }
            for (int k = 0; k < outputs; k++)
            {
                var rk = r.Slice(k * n, n);
                double bias = gradB[k];
                for (int i = 0; i < n; i++) bias += rk[i];
                gradB[k] = bias;
                x.AddTransposeProduct(first, rk, gradW.Slice(k * d, d));
            }
        }
        return (sumLoss, validation);
    }

    /// <summary>min(1, C/(|r|·‖(x, 1)‖)) for a row with derivative norm <paramref name="derivativeNorm"/> and
    /// ‖(x, 1)‖² = <paramref name="squaredNorm"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ClipFactor(double derivativeNorm, double squaredNorm, double clipNorm)
    {
        double norm = derivativeNorm * Math.Sqrt(squaredNorm);
        return norm > clipNorm ? clipNorm / norm : 1;
    }

    /// <summary>Scores of every row of the block: scores[i·K + k] = x_i·w_k + b_k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TRows>(TRows x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, int outputs,
        Span<double> scores)
        where TRows : IRowBlock, allows ref struct
    {
        int d = x.Features;
        var z = new double[DenseKernels.MaxSubBlockRows].AsSpan();
        for (int first = 0; first < x.Count; first += z.Length)
        {
            int n = Math.Min(z.Length, x.Count - first);
            for (int k = 0; k < outputs; k++)
            {
                x.Margins(first, w.Slice(k * d, d), z[..n]);
                for (int i = 0; i < n; i++) scores[(first + i) * outputs + k] = z[i] + b[k];
            }
        }
    }
}
