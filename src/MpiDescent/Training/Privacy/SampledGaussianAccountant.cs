using MathNet.Numerics;

namespace MpiDescent.Training.Privacy;

/// <summary>
/// The privacy spent by the Poisson-subsampled Gaussian mechanism (DP-SGD), in Rényi differential privacy (Mironov,
/// Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"): each step releases the sum
/// of the sampled rows' clipped gradients plus N(0, σ²C²) noise, each row sampled with probability q; one step has RDP
/// ε(α) = log(A_α)/(α − 1) at order α, with A_α = E_{z∼N(0,σ²)}[((1 − q) + q·e^((2z − 1)/(2σ²)))^α]; steps compose by
/// adding their ε(α); the (ε, δ) guarantee is the minimum over the orders of the conversion. Integer orders take
/// A_α's binomial expansion; fractional ones its two-sided series with erfc terms (as TF-Privacy and Opacus compute
/// them). Everything here is a pure function of (q, σ, steps, δ): the state of an account is the number of steps.
/// </summary>
public static class SampledGaussianAccountant
{
    /// <summary>The orders TF-Privacy and Opacus use by default: 1.1, 1.2, …, 10.9 and 12, 13, …, 63.</summary>
    public static IReadOnlyList<double> DefaultOrders { get; } =
        [.. Enumerable.Range(1, 99).Select(x => 1 + x / 10.0), .. Enumerable.Range(12, 52).Select(x => (double)x)];

    /// <summary>How RDP becomes (ε, δ).</summary>
    public enum Conversion
    {
        /// <summary>ε = RDP(α) − log(δ)/(α − 1) (Mironov 2017, Proposition 3; TF-Privacy until 2020).</summary>
        Classic,
        /// <summary>ε = RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α) (Balle et al. 2020, Theorem 21; Opacus and
        /// TF-Privacy since): never larger than the classic one.</summary>
        Improved,
    }

    /// <summary>The RDP at order <paramref name="alpha"/> (&gt; 1) of one step with sampling rate <paramref
    /// name="q"/> and noise multiplier <paramref name="sigma"/> (the noise's standard deviation over the clip
    /// norm).</summary>
    public static double StepRdp(double q, double sigma, double alpha)
    {
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), "the sampling rate is in [0, 1]");
        if (!(alpha > 1)) throw new ArgumentOutOfRangeException(nameof(alpha), "orders are above 1");
        if (q == 0) return 0;
        if (!(sigma > 0) || double.IsPositiveInfinity(alpha)) return double.PositiveInfinity;
        if (q == 1) return alpha / (2 * sigma * sigma);
        double logA = alpha == Math.Floor(alpha) && alpha < 1e6 ? LogAInteger(q, sigma, (int)alpha)
            : LogAFractional(q, sigma, alpha);
        return logA / (alpha - 1);
    }

    /// <summary>ε at <paramref name="delta"/> after <paramref name="steps"/> steps, minimized over
    /// <paramref name="orders"/> (default <see cref="DefaultOrders"/>); <paramref name="order"/> is the best
    /// order.</summary>
    public static double Epsilon(double q, double sigma, long steps, double delta, out double order,
        Conversion conversion = Conversion.Improved, IReadOnlyList<double>? orders = null)
    {
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), "δ is in (0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        double best = double.PositiveInfinity;
        order = double.NaN;
        foreach (double alpha in orders ?? DefaultOrders)
        {
            double rdp = steps * StepRdp(q, sigma, alpha);
            double eps = FromRdp(rdp, alpha, delta, conversion);
            if (eps < best) (best, order) = (eps, alpha);
        }
        return Math.Max(best, 0);
    }

    /// <summary>ε at <paramref name="delta"/> of a mechanism with RDP <paramref name="rdp"/> at order <paramref
    /// name="alpha"/>.</summary>
    public static double FromRdp(double rdp, double alpha, double delta, Conversion conversion) => conversion switch
    {
        Conversion.Classic => rdp - Math.Log(delta) / (alpha - 1),
        _ => rdp - (Math.Log(delta) + Math.Log(alpha)) / (alpha - 1) + Math.Log((alpha - 1) / alpha),
    };

    /// <summary>The smallest noise multiplier (to 0.1%, rounded up) whose ε after <paramref name="steps"/> steps at
    /// <paramref name="delta"/> is at most <paramref name="epsilon"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No σ up to 10⁴ reaches it.</exception>
    public static double CalibrateNoise(double q, long steps, double delta, double epsilon)
    {
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), "ε is positive");
        double low = 1e-3, high = 1e4;
        if (Epsilon(q, high, steps, delta, out _) > epsilon)
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"no noise multiplier up to {high:G3} gives ε ≤ " +
                $"{epsilon:G4}");
        if (Epsilon(q, low, steps, delta, out _) <= epsilon) return low;
        while (high / low > 1.001)
        {
            double middle = Math.Sqrt(low * high);
            if (Epsilon(q, middle, steps, delta, out _) <= epsilon) high = middle;
            else low = middle;
        }
        return high;
    }

    /// <summary>log A_α for integer α: log Σ_k C(α, k) (1 − q)^(α−k) q^k e^((k² − k)/(2σ²)).</summary>
    private static double LogAInteger(double q, double sigma, int alpha)
    {
        double logA = double.NegativeInfinity, logQ = Math.Log(q), log1mQ = double.LogP1(-q);
        for (int k = 0; k <= alpha; k++)
        {
            double logCoefficient = SpecialFunctions.GammaLn(alpha + 1) - SpecialFunctions.GammaLn(k + 1)
                - SpecialFunctions.GammaLn(alpha - k + 1);
            double term = logCoefficient + k * logQ + (alpha - k) * log1mQ + (k * (double)k - k) / (2 * sigma * sigma);
            logA = LogAdd(logA, term);
        }
        return logA;
    }

    /// <summary>log A_α for fractional α: the integral split at z₀ = σ² log(1/q − 1) + 1/2, each side a binomial
    /// series in closed form with erfc factors, summed until its terms fall below e^(−30).</summary>
    private static double LogAFractional(double q, double sigma, double alpha)
    {
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double z0 = sigma * sigma * Math.Log(1 / q - 1) + 0.5, logQ = Math.Log(q), log1mQ = double.LogP1(-q);
        double coefficient = 1; // C(α, i), by the recurrence C(α, i + 1) = C(α, i)(α − i)/(i + 1)
        for (int i = 0; ; i++)
        {
            double j = alpha - i;
            double logCoefficient = Math.Log(Math.Abs(coefficient));
            double logT0 = logCoefficient + i * logQ + j * log1mQ;
            double logT1 = logCoefficient + j * logQ + i * log1mQ;
            double logE0 = Math.Log(0.5) + LogErfc((i - z0) / (Math.Sqrt(2) * sigma));
            double logE1 = Math.Log(0.5) + LogErfc((z0 - j) / (Math.Sqrt(2) * sigma));
            double logS0 = logT0 + (i * (double)i - i) / (2 * sigma * sigma) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
            if (coefficient > 0)
            {
                logA0 = LogAdd(logA0, logS0);
                logA1 = LogAdd(logA1, logS1);
            }
            else
            {
                logA0 = LogSubtract(logA0, logS0);
                logA1 = LogSubtract(logA1, logS1);
            }
            if (Math.Max(logS0, logS1) < -30 || i > 100_000) break;
            coefficient *= (alpha - i) / (i + 1);
        }
        return LogAdd(logA0, logA1);
    }

    /// <summary>log erfc(x) without underflow: the asymptotic series beyond x = 20.</summary>
    internal static double LogErfc(double x)
    {
        if (x < 20) return Math.Log(SpecialFunctions.Erfc(x));
        double inverse = 1 / (x * x);
        return -x * x - Math.Log(x) - 0.5 * Math.Log(Math.PI)
            + double.LogP1(-0.5 * inverse + 0.75 * inverse * inverse - 1.875 * inverse * inverse * inverse);
    }

    private static double LogAdd(double a, double b)
    {
        double high = Math.Max(a, b), low = Math.Min(a, b);
        return double.IsNegativeInfinity(low) ? high : high + double.LogP1(Math.Exp(low - high));
    }

    private static double LogSubtract(double a, double b)
    {
        if (double.IsNegativeInfinity(b)) return a;
        if (b >= a) return double.NegativeInfinity; // the series' partial sums stay positive; guard rounding
        return a + Math.Log(-double.ExpM1(b - a));
    }
}
