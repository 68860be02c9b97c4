using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>max(0, 1 − yz); subgradient −y where 1 − yz &gt; 0, else 0.</summary>
public readonly struct HingeLoss : ILoss
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
        return slack > 0 ? (slack, -y) : (0, 0);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: the hinge is piecewise linear.</exception>
    public double SecondDerivative(double z, double y) =>
        throw new NotSupportedException("the hinge loss has no second derivative");

    /// <inheritdoc />
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        for (int i = 0; i < y.Length; i++) (values[i], derivatives[i]) = Evaluate(z[i], y[i]);
    }
}
