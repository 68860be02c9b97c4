using System.Runtime.CompilerServices;
using MpiDescent.Training.Objectives;
namespace MpiDescent.Training.Solvers;

/// <summary>
/// A line search for the strong Wolfe conditions (Nocedal and Wright, Numerical Optimization, algorithms 3.5 and 3.6):
/// sufficient decrease f(x + αp) ≤ f(x) + c₁α∇f·p and curvature |∇f(x + αp)·p| ≤ c₂|∇f·p|, by bracketing and zooming
/// with safeguarded cubic interpolation. Every trial is one (collective) objective evaluation; all decisions use
/// reduced values, so every rank takes the same steps. </summary>
public sealed class WolfeLineSearch(double c1 = 1e-4, double c2 = 0.9, int maxEvaluations = 40)
{
    private Model.ParameterSpace? _space;
    private IObjective? _objective; // whose space _space is (asked once: an objective may build it on each call)

    /// <summary>The accepted step: α, the point, its value and gradient.</summary>
    public sealed record Step(double Alpha, double Value, int Evaluations);

    /// <summary>Searches along <paramref name="direction"/> from <paramref name="x"/> (value <paramref name="f0"/>,
    /// gradient
    /// <paramref name="g0"/>); on success <paramref name="xNew"/> and <paramref name="gNew"/> hold the accepted
    /// point.</summary>
    /// <returns>The step, or null when no acceptable step was found (the direction is not a descent direction, or
    /// the function cannot be decreased further at double precision).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Step? Search(IObjective objective, double[] x, double f0, double[] g0, double[] direction,
        double initialAlpha,
        double[] xNew, double[] gNew)
    {
        if (!ReferenceEquals(objective, _objective)) (_objective, _space) = (objective, objective.Space);
        double slope0 = Dot(g0, direction);
        if (!(slope0 < 0)) return null;
        int evaluations = 0;
        double Phi(double alpha, out double slope)
        {
            for (int k = 0; k < x.Length; k++) xNew[k] = x[k] + alpha * direction[k];
            double f;
            evaluations++;
            try { f = objective.Evaluate(xNew, gNew); }
            catch (Numerics.NonFiniteValueException)
            {
                slope = double.NaN; // agreed on every rank: a rejected trial
                return double.PositiveInfinity;
            }
            slope = Dot(gNew, direction);
            return f;
        }

        double alphaPrev = 0, fPrev = f0, slopePrev = slope0, alpha = initialAlpha;
        for (int i = 0; evaluations < maxEvaluations; i++)
        {
            double f = Phi(alpha, out double slope);
            if (!double.IsFinite(f) || f > f0 + c1 * alpha * slope0 || (i > 0 && f >= fPrev))
                return Zoom(alphaPrev, fPrev, slopePrev, alpha, f, slope);
            if (Math.Abs(slope) <= -c2 * slope0) return new Step(alpha, f, evaluations);
            if (slope >= 0) return Zoom(alpha, f, slope, alphaPrev, fPrev, slopePrev);
            (alphaPrev, fPrev, slopePrev) = (alpha, f, slope);
            alpha *= 2;
        }
        return null;

        Step? Zoom(double lo, double fLo, double sLo, double hi, double fHi, double sHi)
        {
            while (evaluations < maxEvaluations)
            {
                double alphaJ = Interpolate(lo, fLo, sLo, hi, fHi, sHi);
                double f = Phi(alphaJ, out double slope);
                if (!double.IsFinite(f) || f > f0 + c1 * alphaJ * slope0 || f >= fLo)
                    (hi, fHi, sHi) = (alphaJ, f, slope);
                else
                {
                    if (Math.Abs(slope) <= -c2 * slope0) return new Step(alphaJ, f, evaluations);
                    if (slope * (hi - lo) >= 0) (hi, fHi, sHi) = (lo, fLo, sLo);
                    (lo, fLo, sLo) = (alphaJ, f, slope);
                }
                if (Math.Abs(hi - lo) <= 1e-16 * Math.Max(1, Math.Abs(lo))) break;
            }
            // Out of evaluations: accept the best point if it decreased the function sufficiently.
            if (lo > 0 && fLo <= f0 + c1 * lo * slope0)
            {
                double f = Phi(lo, out _);
                return new Step(lo, f, evaluations);
            }
            return null;
        }
    }

    /// <summary>The minimizer of the cubic through both ends' values and slopes, kept inside the middle 80% of the
    /// interval (else bisection).</summary>
    private static double Interpolate(double a, double fa, double sa, double b, double fb, double sb)
    {
        double lo = Math.Min(a, b), hi = Math.Max(a, b), width = hi - lo;
        if (double.IsFinite(fb))
        {
            double d1 = sa + sb - 3 * (fa - fb) / (a - b);
            double disc = d1 * d1 - sa * sb;
            if (disc >= 0)
            {
                double d2 = Math.Sign(b - a) * Math.Sqrt(disc);
                double t = b - (b - a) * (sb + d2 - d1) / (sb - sa + 2 * d2);
                if (double.IsFinite(t) && t > lo + 0.1 * width && t < hi - 0.1 * width) return t;
            }
        }
        return 0.5 * (a + b);
    }

    private double Dot(double[] a, double[] b) => _space!.Dot(a, b);
}
