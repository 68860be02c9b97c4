using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Numerics;

public class DenseKernelsTests
{
    /// <summary>The blocked linear pass (sub-blocks of 8 or 32 rows by width, gradient chunks held in registers)
    /// against the plain row-by-row definition with the same operations in the same order: margin by <see
    /// cref="DenseKernels.Dot"/>, loss and derivative per row, sums over the rows in order, each gradient element a
    /// chain of fused multiply-adds over the rows in order. Equal bit for bit, so neither the sub-block size, the
    /// register blocking nor float32 storage (widened as loaded) changes results.</summary>
    [Test]
    public void Run_AnyWidth_BitwiseEqualsRowByRowDefinition([Values(1, 7, 8, 16, 33, 64, 70, 128, 200, 300)] int d,
        [Values(1, 9, 100, 1024)] int rows, [Values] bool hinge, [Values] bool single)
    {
        var random = new Random(d * 7919 + rows);
        var x = Enumerable.Range(0, rows * d).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        if (single) x = x.Select(v => (double)(float)v).ToArray(); // float32 rows: the definition on the same values
        var singles = x.Select(v => (float)v).ToArray();
        var y = Enumerable.Range(0, rows).Select(_ => random.Next(2) == 0 ? -1.0 : 1.0).ToArray();
        var w = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var t = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
        var aligned = new AlignedBuffer<double>(d);
        var (loss, derivativeSum) = single
            ? Pass(new DenseRows<float>(singles, d), y, w, aligned.Span, t, hinge)
            : Pass(new DenseRows<double>(x, d), y, w, aligned.Span, t, hinge);

        var expected = new double[d];
        double expectedLoss = 0, expectedDerivative = 0;
        for (int i = 0; i < rows; i++)
        {
            double z = DenseKernels.Dot(x.AsSpan(i * d, d), w) + 0.25;
            var (value, derivative) = hinge ? default(SquaredHingeLoss).Evaluate(z, y[i])
                : default(SquaredLoss).Evaluate(z, y[i]);
            value *= t[i];
            derivative *= t[i];
            expectedLoss += value;
            expectedDerivative += derivative;
            for (int j = 0; j < d; j++) expected[j] = Math.FusedMultiplyAdd(derivative, x[i * d + j], expected[j]);
        }
        Assert.That(loss, Is.EqualTo(expectedLoss));
        Assert.That(derivativeSum, Is.EqualTo(expectedDerivative));
        Assert.That(aligned.Span.ToArray(), Is.EqualTo(expected));
    }

    /// <summary>The generic pass with the intercept 0.25, returning Σ tℓ and the intercept's gradient Σ tℓ′.</summary>
    private static (double Loss, double DerivativeSum) Pass<TRows>(TRows rows, double[] y, double[] w,
        Span<double> gradW,
        double[] t, bool hinge, bool logistic = false) where TRows : IRowBlock, allows ref struct
    {
        var gradB = new double[1];
        var workspace = new PassWorkspace(1);
        double[] b = [0.25];
        double loss = logistic ? LinearPass.Run(default(LogisticLoss), rows, y, w, b, gradW, gradB, workspace,
            t).SumLoss
            : hinge ? LinearPass.Run(default(SquaredHingeLoss), rows, y, w, b, gradW, gradB, workspace, t).SumLoss
            : LinearPass.Run(default(SquaredLoss), rows, y, w, b, gradW, gradB, workspace, t).SumLoss;
        return (loss, gradB[0]);
    }

    /// <summary>Software prefetch is a hint: the pass gives the same bits with it and without, for the batched
    /// (logistic) and the row-by-row (squared) loss paths, float64 and float32 rows, and at the end of the data (where
    /// the prefetched addresses lie past the buffer).</summary>
    [Test]
    public void Run_PrefetchOnOrOff_BitwiseSameResults([Values(3, 64, 300)] int d, [Values] bool logistic,
        [Values] bool single)
    {
        const int rows = 333;
        var random = new Random(d);
        var x = Enumerable.Range(0, rows * d).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var xs = x.Select(v => (float)v).ToArray();
        var y = Enumerable.Range(0, rows).Select(_ => (double)random.Next(2)).ToArray();
        var w = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        (double, double, double, double[]) Run(bool prefetch)
        {
            bool saved = SoftwarePrefetch.Enabled;
            SoftwarePrefetch.Enabled = prefetch;
            try
            {
                var g = new AlignedBuffer<double>(d);
                var (a, b) = single
                    ? Pass(new DenseRows<float>(xs, d), y, w, g.Span, [], false, logistic)
                    : Pass(new DenseRows<double>(x, d), y, w, g.Span, [], false, logistic);
                return (a, b, 0.0, g.Span.ToArray());
            }
            finally { SoftwarePrefetch.Enabled = saved; }
        }
        var (with, without) = (Run(true), Run(false));
        Assert.That(with.Item1, Is.EqualTo(without.Item1));
        Assert.That(with.Item2, Is.EqualTo(without.Item2));
        Assert.That(with.Item4, Is.EqualTo(without.Item4));
    }

    [TestCase(null, "GenuineIntel", true)]
    [TestCase(null, "AuthenticAMD", false)]
    [TestCase("", "GenuineIntel", true)]
    [TestCase("0", "GenuineIntel", false)]
    [TestCase("1", "AuthenticAMD", true)]
    [TestCase(" 1 ", "", true)]
    [TestCase("yes", "AuthenticAMD", false)]
    public void SoftwarePrefetchDefault_SettingAndVendor_OnForIntelUnlessOverridden(string? setting, string vendor,
        bool expected)
    {
        Assume.That(System.Runtime.Intrinsics.X86.Sse.IsSupported, "software prefetch needs x86 SSE");
        Assert.That(SoftwarePrefetch.Default(setting, vendor), Is.EqualTo(expected));
    }
}
