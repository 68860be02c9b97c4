using MpiDescent.Training.Privacy;
using Conversion = MpiDescent.Training.Privacy.SampledGaussianAccountant.Conversion;

namespace MpiDescent.Tests.Training.Privacy;

/// <summary>The RDP accountant of DP-SGD against an independent computation (A_α integrated numerically from its
/// definition), against the values TF-Privacy publishes in its own tests and README, and against the exact Gaussian
/// mechanism's (ε, δ).</summary>
public class SampledGaussianAccountantTests
{
    /// <summary>log A_α, A_α = ∫ N(z; 0, σ²)·((1 − q) + q·e^((2z − 1)/(2σ²)))^α dz, by composite Simpson's rule over
    /// 400,001 points of [−14σ, α + 14σ], which holds all but about e^(−98) of the integrand's mass (no term of its
    /// binomial expansion peaks beyond z = α); the integrand is taken in logarithms, since it overflows at large α.
    /// </summary>
    private static double IntegratedLogA(double q, double sigma, double alpha)
    {
        double low = -14 * sigma, high = alpha + 14 * sigma;
        const int intervals = 400_000;
        double h = (high - low) / intervals;
        var logF = new double[intervals + 1];
        for (int i = 0; i <= intervals; i++)
        {
            double z = low + i * h;
            double logDensity = -z * z / (2 * sigma * sigma) - Math.Log(sigma * Math.Sqrt(2 * Math.PI));
            double a = Math.Log(1 - q), b = Math.Log(q) + (2 * z - 1) / (2 * sigma * sigma);
            double logRatio = Math.Max(a, b) + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));
            logF[i] = logDensity + alpha * logRatio;
        }
        double peak = logF.Max(), sum = 0;
        for (int i = 0; i <= intervals; i++)
            sum += (i == 0 || i == intervals ? 1 : i % 2 == 1 ? 4 : 2) * Math.Exp(logF[i] - peak);
        return peak + Math.Log(sum * h / 3);
    }

    [TestCase(0.01, 1.0, 2.0)]
    [TestCase(0.01, 1.0, 2.5)]
    [TestCase(0.1, 2.0, 5.0)]
    [TestCase(256.0 / 60000, 1.1, 10.3)]
    [TestCase(256.0 / 60000, 1.1, 32.0)]
    [TestCase(0.05, 0.8, 7.0)]
    [TestCase(0.05, 0.8, 6.6)]
    [TestCase(0.5, 3.0, 20.5)]
    [TestCase(0.001, 5.0, 1.5)]
    public void StepRdp_IntegerAndFractionalOrders_MatchNumericalIntegration(double q, double sigma, double alpha)
    {
        double expected = IntegratedLogA(q, sigma, alpha) / (alpha - 1);
        double actual = SampledGaussianAccountant.StepRdp(q, sigma, alpha);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-7 * Math.Abs(expected) + 1e-12),
            "the accountant's series stops at terms below e^-30, as TF-Privacy's does");
    }

    [Test]
    public void StepRdp_TfPrivacyPublishedValues_Agree()
    {
        // tensorflow_privacy/privacy/analysis/rdp_accountant_test.py: compute_rdp(0.1, 2, 10, 5) = 0.07737, and
        // compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100]) below, each to 1e-5.
        Assert.That(10 * SampledGaussianAccountant.StepRdp(0.1, 2, 5), Is.EqualTo(0.07737).Within(1e-5));
        double[] orders = [1.5, 2.5, 5, 50, 100];
        double[] published = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
        for (int k = 0; k < orders.Length; k++)
            Assert.That(50 * SampledGaussianAccountant.StepRdp(0.01, 2.5, orders[k]),
                Is.EqualTo(published[k]).Within(1e-5), $"order {orders[k]}");
    }

    [Test]
    public void StepRdp_EdgeCases_AreTheClosedForms()
    {
        Assert.That(SampledGaussianAccountant.StepRdp(0, 10, 20), Is.EqualTo(0));
        Assert.That(SampledGaussianAccountant.StepRdp(1, 10, 20), Is.EqualTo(0.1).Within(1e-15)); // α/(2σ²)
        Assert.That(SampledGaussianAccountant.StepRdp(0.1, 0, 20), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void Epsilon_TfPrivacyMnistTutorial_Is3Point01WithTheClassicConversion()
    {
        // TF-Privacy's tutorials README: "compute_dp_sgd_privacy.py --N=60000 --batch_size=256 --noise_multiplier=1.1
        // --epochs=60 --delta=1e-5 ... satisfies differential privacy with eps = 3.01", with its orders (ours) and
        // ⌈60 · 60000/256⌉ steps, and the classic conversion of the time.
        double q = 256.0 / 60000;
        long steps = (long)Math.Ceiling(60 * 60000 / 256.0);
        double classic = SampledGaussianAccountant.Epsilon(q, 1.1, steps, 1e-5, out _, Conversion.Classic);
        Assert.That(classic, Is.EqualTo(3.01).Within(0.005));
        double improved = SampledGaussianAccountant.Epsilon(q, 1.1, steps, 1e-5, out _);
        Assert.That(improved, Is.LessThan(classic).And.GreaterThan(0.8 * classic));
    }

    [Test]
    public void FromRdp_ConstantRdp_MatchesTfPrivacyPublishedEpsilon()
    {
        // rdp_accountant_test.py: RDP 1.1 at orders 2..32, δ = 1e-5 gives ε = 1.32783806176 at order 32.
        double best = Enumerable.Range(2, 31).Min(a => SampledGaussianAccountant.FromRdp(1.1, a, 1e-5,
            Conversion.Improved));
        Assert.That(best, Is.EqualTo(1.32783806176).Within(1e-10));
    }

    [Test]
    public void Epsilon_GaussianWithoutSampling_IsAtLeastTheExactGaussianEpsilon()
    {
        // The Gaussian mechanism of sensitivity 1 and noise σ is exactly (ε, δ(ε))-DP with δ(ε) = Φ(1/(2σ) − εσ) −
        // e^ε Φ(−1/(2σ) − εσ) (Balle and Wang 2018, Theorem 8); RDP's ε is an upper bound on the exact one, and
        // TF-Privacy's test gets ε = 1 at δ = 1e-6 for σ = 4.530877117 over fine orders.
        double[] orders = [.. Enumerable.Range(1001, 98_999).Select(i => i * 0.001)];
        double sigma = 4.530877117;
        double epsilon = SampledGaussianAccountant.Epsilon(1, sigma, 1, 1e-6, out _, orders: orders);
        Assert.That(epsilon, Is.EqualTo(1).Within(1e-6));
        double exactDelta = ExactGaussianDelta(epsilon, sigma);
        Assert.That(exactDelta, Is.LessThanOrEqualTo(1e-6));
    }

    private static double ExactGaussianDelta(double epsilon, double sigma)
    {
        static double Phi(double x) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-x / Math.Sqrt(2));
        return Phi(0.5 / sigma - epsilon * sigma) - Math.Exp(epsilon) * Phi(-0.5 / sigma - epsilon * sigma);
    }

    [Test]
    public void CalibrateNoise_TargetEpsilon_IsMetWithinATenthOfAPercent()
    {
        double q = 256.0 / 60000;
        long steps = 234 * 15;
        foreach (double target in new[] { 0.5, 1, 2, 8 })
        {
            double sigma = SampledGaussianAccountant.CalibrateNoise(q, steps, 1e-5, target);
            Assert.That(SampledGaussianAccountant.Epsilon(q, sigma, steps, 1e-5, out _), Is.LessThanOrEqualTo(target));
            Assert.That(SampledGaussianAccountant.Epsilon(q, sigma / 1.002, steps, 1e-5, out _),
                Is.GreaterThan(target), $"target {target}: sigma {sigma} is not the smallest");
        }
    }

    [Test]
    public void Epsilon_MoreStepsOrLessNoise_NeverSpendsLess()
    {
        double q = 0.01, previous = 0;
        foreach (long steps in new long[] { 1, 10, 100, 1000, 10_000 })
        {
            double eps = SampledGaussianAccountant.Epsilon(q, 1.0, steps, 1e-5, out _);
            Assert.That(eps, Is.GreaterThan(previous));
            previous = eps;
        }
        Assert.That(SampledGaussianAccountant.Epsilon(q, 0.7, 1000, 1e-5, out _),
            Is.GreaterThan(SampledGaussianAccountant.Epsilon(q, 1.4, 1000, 1e-5, out _)));
    }
}
