using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>½(z − y)²; derivative z − y.</summary>
public readonly struct SquaredLoss : ILoss
{
    /// <inheritdoc />
    public int Outputs => 1;

    /// <inheritdoc />
    public bool Batched => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double r = z - y;
        return (0.5 * r * r, r);
    }

    /// <inheritdoc />
    public double SecondDerivative(double z, double y) => 1;

    /// <inheritdoc />
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        for (int i = 0; i < y.Length; i++) (values[i], derivatives[i]) = Evaluate(z[i], y[i]);
    }
}
