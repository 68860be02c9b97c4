namespace MpiDescent.Model;

/// <summary>
/// The one place that says where each parameter of a linear model lives in the parameter vector θ (as scikit-learn's
/// <c>_linear_loss.py</c> documents its coefficient layout once):
/// θ = (w_0, w_1, …, w_(K−1), b_0, …, b_(K−1)): K weight vectors of d features each (K = 1 but for softmax, where K is
/// the class count), then the K intercepts when they are fitted. Only the weights are penalized. Solvers see θ as a
/// flat vector; the objective, the penalties, the scaling back to raw features, the model writer and scoring read it
/// through this type. </summary>
/// <param name="Features">d, features per row.</param>
/// <param name="Outputs">K, weight vectors (margins per row).</param>
/// <param name="FitIntercept">Whether θ ends with K intercepts.</param>
public sealed record ParameterLayout(int Features, int Outputs = 1, bool FitIntercept = true)
{
    /// <summary>The penalized weights, K·d: they come first in θ.</summary>
    public int WeightCount => Outputs * Features;

    /// <summary>Length of θ.</summary>
    public int Dimension => WeightCount + (FitIntercept ? Outputs : 0);

    /// <summary>Whether θ[<paramref name="index"/>] is a penalized weight (not an intercept).</summary>
    public bool IsPenalized(int index) => index < WeightCount;

    /// <summary>All weights, K × d row-major.</summary>
    public Span<double> Weights(Span<double> theta) => theta[..WeightCount];

    /// <summary>All weights, K × d row-major.</summary>
    public ReadOnlySpan<double> Weights(ReadOnlySpan<double> theta) => theta[..WeightCount];

    /// <summary>Weight vector <paramref name="k"/>.</summary>
    public Span<double> WeightsOf(Span<double> theta, int k) => theta.Slice(k * Features, Features);

    /// <summary>Weight vector <paramref name="k"/>.</summary>
    public ReadOnlySpan<double> WeightsOf(ReadOnlySpan<double> theta, int k) => theta.Slice(k * Features, Features);

    /// <summary>The fitted intercepts (empty without an intercept).</summary>
    public Span<double> Intercepts(Span<double> theta) => FitIntercept ? theta.Slice(WeightCount, Outputs) : [];

    /// <summary>The fitted intercepts (empty without an intercept).</summary>
    public ReadOnlySpan<double> Intercepts(ReadOnlySpan<double> theta) =>
        FitIntercept ? theta.Slice(WeightCount, Outputs) : [];

    /// <summary>Intercept <paramref name="k"/>, 0 when none is fitted.</summary>
    public double Intercept(ReadOnlySpan<double> theta, int k) => FitIntercept ? theta[WeightCount + k] : 0;

    /// <summary>Copies the K intercepts into <paramref name="destination"/> (zeros when none are fitted).</summary>
    public void CopyIntercepts(ReadOnlySpan<double> theta, Span<double> destination)
    {
        if (FitIntercept) Intercepts(theta).CopyTo(destination);
        else destination[..Outputs].Clear();
    }

    /// <summary>θ from weight vectors and intercepts (the inverse of <see cref="WeightsOf(ReadOnlySpan{double}, int)"/>
    /// and <see cref="Intercepts(ReadOnlySpan{double})"/>).</summary>
    public double[] Compose(IReadOnlyList<double[]> weights, ReadOnlySpan<double> intercepts)
    {
        if (weights.Count != Outputs) throw new ArgumentException($"{weights.Count} weight vectors for {Outputs} " +
            $"outputs");
        var theta = new double[Dimension];
        for (int k = 0; k < Outputs; k++) weights[k].CopyTo(WeightsOf(theta.AsSpan(), k));
        if (FitIntercept) intercepts[..Outputs].CopyTo(Intercepts(theta.AsSpan()));
        return theta;
    }
}
