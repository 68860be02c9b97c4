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

    /// <summary>The losses and derivatives of n = <paramref name="y"/>.Length rows at once: <paramref name="z"/> holds
    /// the margins output-major (z[k·n + i] is margin k of row i), <paramref name="values"/>[i] receives ℓ(z_i, y_i)
    /// and
    /// <paramref name="derivatives"/>[k·n + i] receives ∂ℓ/∂z_k of row i.</summary>
    void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values, Span<double> derivatives);
}

/// <summary>A loss of one margin per row, also evaluated one row at a time.</summary>
public interface IScalarLoss : ILoss
{
    /// <summary>ℓ(z, y) and ∂ℓ/∂z at the same point.</summary>
    (double Value, double Derivative) Evaluate(double z, double y);
}
