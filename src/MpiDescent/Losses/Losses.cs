using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>½(z − y)²; derivative z − y.</summary>
public readonly struct SquaredLoss : ILoss
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double r = z - y;
        return (0.5 * r * r, r);
    }
}

/// <summary>log(1 + e^(−m)) with the margin m = yz, computed without overflow for any m; derivative −y·σ(−m).</summary>
public readonly struct LogisticLoss : ILoss
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double m = y * z;
        double e = Math.Exp(-Math.Abs(m));
        double value = Math.Max(-m, 0) + Math.Log(1 + e);        // log(1 + e^(−m)), stable
        double sigmaMinus = m >= 0 ? e / (1 + e) : 1 / (1 + e);   // σ(−m)
        return (value, -y * sigmaMinus);
    }
}

/// <summary>max(0, 1 − yz); subgradient −y where 1 − yz &gt; 0, else 0.</summary>
public readonly struct HingeLoss : ILoss
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double slack = 1 - y * z;
        return slack > 0 ? (slack, -y) : (0, 0);
    }
}

/// <summary>max(0, 1 − yz)²; derivative −2y·max(0, 1 − yz).</summary>
public readonly struct SquaredHingeLoss : ILoss
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double Value, double Derivative) Evaluate(double z, double y)
    {
        double slack = 1 - y * z;
        return slack > 0 ? (slack * slack, -2 * y * slack) : (0, 0);
    }
}
