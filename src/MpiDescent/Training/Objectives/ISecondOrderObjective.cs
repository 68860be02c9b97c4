namespace MpiDescent.Training.Objectives;

/// <summary>
/// An objective that also offers its Hessian, as Newton's method needs it: <see cref="PrepareHessian"/> fixes the
/// Hessian at a point (and gives its diagonal, for a preconditioner), then <see cref="HessianVector"/> multiplies it by
/// directions, each product one pass over the data and one reduction. Both are collective, and every rank receives the
/// same reduced result, as from <see cref="IObjective.Evaluate"/>.
/// </summary>
public interface ISecondOrderObjective : IObjective
{
    /// <summary>Fixes the Hessian at <paramref name="point"/> (a point already evaluated) and writes its diagonal into
    /// <paramref name="diagonal"/> (collective).</summary>
    /// <exception cref="NotSupportedException">The loss has no second derivative (hinge).</exception>
    void PrepareHessian(ReadOnlySpan<double> point, Span<double> diagonal);

    /// <summary>Writes H·<paramref name="direction"/> into <paramref name="product"/>, with H the Hessian fixed by the
    /// last <see cref="PrepareHessian"/> (collective).</summary>
    void HessianVector(ReadOnlySpan<double> direction, Span<double> product);
}
