namespace MpiDescent.Losses;

/// <summary>
/// A per-example loss of the linear predictions (margins) of one row: one margin z = x·w + b for the regression and
/// binary losses, K margins z_k = x·w_k + b_k for softmax. Implemented by structs, so that the pass over the rows is
/// specialized for each loss by the JIT and pays no virtual call; <see cref="Outputs"/> is a constant for every loss
/// but softmax, so the JIT removes the loops over outputs. </summary>
public interface ILoss
{
    /// <summary>Margins per row: 1, or K for softmax.</summary>
    int Outputs { get; }

    /// <summary>Whether the pass should evaluate a sub-block of rows at once with <see cref="EvaluateMany"/> (a
    /// vectorized or multi-output loss) rather than row by row with <see cref="Evaluate"/>; a constant per loss, so the
    /// JIT keeps only one path of the pass.</summary>
    bool Batched { get; }

    /// <summary>ℓ(z, y) and ∂ℓ/∂z of one row with one margin (losses with <see cref="Outputs"/> = 1).</summary>
    (double Value, double Derivative) Evaluate(double z, double y);

    /// <summary>∂²ℓ/∂z² of one row with one margin, where it exists (for the squared hinge the generalized second
    /// derivative, 0 beyond the kink, as LIBLINEAR's Newton solver takes it).</summary>
    /// <exception cref="NotSupportedException">The loss has none (hinge) or several margins (softmax).</exception>
    double SecondDerivative(double z, double y);

    /// <summary>The losses and derivatives of n = <paramref name="y"/>.Length rows at once: <paramref name="z"/> holds
    /// the margins output-major (z[k·n + i] is margin k of row i), <paramref name="values"/>[i] receives ℓ(z_i, y_i)
    /// and
    /// <paramref name="derivatives"/>[k·n + i] receives ∂ℓ/∂z_k of row i.</summary>
    void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values, Span<double> derivatives);
}
