using System.Runtime.CompilerServices;
using MpiDescent.Model;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// The L1 penalty λ₁‖w‖₁ on the first <c>weights</c> parameters (the intercept, if any, follows and is never
/// penalized): its value, the soft-thresholding proximal step, and the pseudo-gradient, the minimum-norm subgradient of
/// f + λ₁‖w‖₁, whose norm measures stationarity and whose sign choice OWL-QN follows. Points are vectors of
/// <c>space</c> (all of θ, or this rank's slice of it); without one, all of θ. </summary>
public sealed class L1Penalty(double strength, int weights, ParameterSpace? space = null)
{
    private ParameterSpace? _space = space;

    /// <summary>λ₁.</summary>
    public double Strength { get; } = strength;

    /// <summary>How many leading parameters of θ are penalized weights.</summary>
    public int Weights { get; } = weights;

    /// <summary>How many leading elements of a point of the space are penalized weights.</summary>
    public int LocalWeights => _space?.LocalCountBefore(Weights) ?? Weights;

    /// <summary>λ₁‖w‖₁ (collective when the space is partitioned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Value(ReadOnlySpan<double> point)
    {
        if (_space is null || (!_space.IsPartitioned && _space.Dimension != point.Length))
            _space = ParameterSpace.Whole(point.Length);
        return Strength * _space.AbsoluteSumBefore(point, Weights);
    }

    /// <summary>The proximal step of α·λ₁‖w‖₁: w ← sign(w)·max(|w| − αλ₁, 0), where a weight set to zero is +0 (a
    /// −0 from sign(w)·0 would be stored as a non-zero in a wide model's weights file).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SoftThreshold(Span<double> point, double alpha)
    {
        double t = alpha * Strength;
        for (int j = 0; j < LocalWeights; j++)
        {
            double shrunk = Math.Abs(point[j]) - t;
            point[j] = shrunk > 0 ? Math.CopySign(shrunk, point[j]) : 0;
        }
    }

    /// <summary>The pseudo-gradient of f + λ₁‖w‖₁ at <paramref name="point"/> from the smooth gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PseudoGradient(ReadOnlySpan<double> point, ReadOnlySpan<double> gradient, Span<double> result)
    {
        gradient.CopyTo(result);
        for (int j = 0; j < LocalWeights; j++)
        {
            double g = gradient[j];
            if (point[j] > 0) result[j] = g + Strength;
            else if (point[j] < 0) result[j] = g - Strength;
            else if (g + Strength < 0) result[j] = g + Strength;
            else if (g - Strength > 0) result[j] = g - Strength;
            else result[j] = 0;
        }
    }
}
