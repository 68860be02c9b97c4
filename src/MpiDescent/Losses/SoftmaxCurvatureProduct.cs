namespace MpiDescent.Losses;

/// <summary>
/// The Hessian-vector product of the softmax loss, as a pass over the rows computes it: row i's Hessian in its K
/// margins is diag(pᵢ) − pᵢpᵢᵀ with pᵢ the class probabilities at the point where the Hessian is taken (kept, K per
/// row, in <c>probabilities</c>), so for margins u of the direction its "derivatives" are p_k(u_k − Σ_l p_l u_l). The
/// pass hands it the rows' local numbers as labels, to find their probabilities. Its value is 0.
/// </summary>
/// <param name="probabilities">p of every local row, row-major (row i's K probabilities at i·K).</param>
/// <param name="classes">K.</param>
public readonly struct SoftmaxCurvatureProduct(double[] probabilities, int classes) : ILoss
{
    /// <inheritdoc />
    public int Outputs => classes;

    /// <inheritdoc />
    public bool Batched => true;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: a row has K margins.</exception>
    public (double Value, double Derivative) Evaluate(double z, double y) =>
        throw new NotSupportedException("softmax has K margins per row; use EvaluateMany");

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: this is already a second-order term.</exception>
    public double SecondDerivative(double z, double y) => throw new NotSupportedException("a curvature product");

    /// <inheritdoc />
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        int n = y.Length;
        for (int i = 0; i < n; i++)
        {
            var p = probabilities.AsSpan((int)y[i] * classes, classes);
            double mean = 0;
            for (int k = 0; k < classes; k++) mean += p[k] * z[k * n + i];
            for (int k = 0; k < classes; k++) derivatives[k * n + i] = p[k] * (z[k * n + i] - mean);
            values[i] = 0;
        }
    }
}
