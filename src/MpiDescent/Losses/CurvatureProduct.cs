using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>
/// The Hessian-vector product of a one-margin loss, as a pass over the rows computes it: given as "labels" the rows'
/// second derivatives Dᵢ = ℓ''(zᵢ) at the point where the Hessian is taken, and as margins uᵢ = xᵢ·v + v_b of the
/// direction v, its "derivative" is Dᵢuᵢ, so that the pass's Xᵀr is XᵀDXv (Newton's solver). Its value is 0.
/// </summary>
public readonly struct CurvatureProduct : ILoss
{
    /// <inheritdoc />
    public int Outputs => 1;

    /// <inheritdoc />
    public bool Batched => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y) => (0, y * z);

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: this is already a second-order term.</exception>
    public double SecondDerivative(double z, double y) => throw new NotSupportedException("a curvature product");

    /// <inheritdoc />
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        for (int i = 0; i < y.Length; i++) (values[i], derivatives[i]) = Evaluate(z[i], y[i]);
    }
}
