using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>max(0, 1 − yz)²; derivative −2y·max(0, 1 − yz).</summary>
public readonly struct SquaredHingeLoss : ILoss
{
    /// <inheritdoc />
    public int Outputs => 1;

    /// <inheritdoc />
    public bool Batched => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double slack = 1 - y * z;
        return slack > 0 ? (slack * slack, -2 * y * slack) : (0, 0);
    }

    /// <inheritdoc />
    public double SecondDerivative(double z, double y) => y * z < 1 ? 2 : 0;

    /// <inheritdoc />
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        for (int i = 0; i < y.Length; i++) (values[i], derivatives[i]) = Evaluate(z[i], y[i]);
    }
}
