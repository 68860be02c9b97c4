using MpiDescent.Communication;
using MpiDescent.Losses;

namespace MpiDescent.Tests.Losses;

public class LossTests
{
    private static readonly LossKind[] ScalarLosses = [LossKind.Squared, LossKind.Logistic, LossKind.Hinge,
        LossKind.SquaredHinge];

    private static (double, double) Evaluate(LossKind kind, double z, double y) => kind switch
    {
        LossKind.Squared => default(SquaredLoss).Evaluate(z, y),
        LossKind.Logistic => default(LogisticLoss).Evaluate(z, y),
        LossKind.Hinge => default(HingeLoss).Evaluate(z, y),
        _ => default(SquaredHingeLoss).Evaluate(z, y),
    };

    [Test]
    public void Evaluate_EachLoss_DerivativeMatchesCentralDifference([ValueSource(nameof(ScalarLosses))] LossKind kind)
    {
        foreach (double y in new[] { -1.0, 1.0 })
            foreach (double z in new[] { -3.1, -0.4, 0.37, 2.2, 7.5 })
            {
                const double h = 1e-6;
                double numeric = (Evaluate(kind, z + h, y).Item1 - Evaluate(kind, z - h, y).Item1) / (2 * h);
                Assert.That(Evaluate(kind, z, y).Item2, Is.EqualTo(numeric).Within(1e-6 * Math.Max(1,
                    Math.Abs(numeric))), $"{kind} z={z} y={y}");
            }
    }

    [Test]
    public void Evaluate_LogisticAtHugeMargins_StaysFiniteAndAccurate()
    {
        var (big, bigDerivative) = default(LogisticLoss).Evaluate(1000, 1);
        var (bad, badDerivative) = default(LogisticLoss).Evaluate(-1000, 1);
        Assert.That(big, Is.EqualTo(0).Within(1e-300));
        Assert.That(bigDerivative, Is.EqualTo(0).Within(1e-300));
        Assert.That(bad, Is.EqualTo(1000).Within(1e-12));
        Assert.That(badDerivative, Is.EqualTo(-1));
        Assert.That(default(LogisticLoss).Evaluate(1e-20, 1).Value, Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.That(default(LogisticLoss).Evaluate(40, 1).Value,
            Is.EqualTo(Math.Exp(-40)).Within(1e-15 * Math.Exp(-40)), "log(1 + e^-40) = e^-40 to full precision");
    }

    /// <summary>The whole objective (loss, class weights, L2, intercept) against central differences, at 3
    /// ranks.</summary>
    [Test]
    public void LinearObjective_EachLossWithWeightsAndL2_GradientMatchesCentralDifference([Values] LossKind kind)
    {
        const int d = 4;
        var (x, yRaw) = TestData.Synthetic(rows: 301, features: d, seed: 21);
        bool softmax = kind == LossKind.Softmax;
        var y = kind.IsBinary() ? yRaw.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray()
            : softmax ? Enumerable.Range(0, yRaw.Length).Select(i => (double)((i * 7 + (yRaw[i] > 0.5 ? 1
                : 0)) % 3)).ToArray() : yRaw;
        double[] point = softmax ? Enumerable.Range(0, 3 * d + 3).Select(k => 0.1 * ((k * 5 % 11) - 5)).ToArray()
            : [0.3, -0.8, 0.2, 0.55, -0.1];
        var settings = new ObjectiveSettings(kind, true, L2: 0.05, NegativeClassWeight: kind.IsBinary() ? 2.5 : 1,
            PositiveClassWeight: kind.IsBinary() ? 0.7 : 1, Classes: softmax ? 3 : 1);
        var results = ThreadedCommunicator.Run(3, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, d);
            var objective = new LinearObjective(shard, partition, comm, settings);
            var gradient = new double[objective.Dimension];
            objective.Evaluate(point, gradient);
            var numeric = new double[point.Length];
            var scratch = new double[point.Length];
            for (int k = 0; k < point.Length; k++)
            {
                const double h = 1e-6;
                var plus = point.ToArray(); plus[k] += h;
                var minus = point.ToArray(); minus[k] -= h;
                numeric[k] = (objective.Evaluate(plus, scratch) - objective.Evaluate(minus, scratch)) / (2 * h);
            }
            return (gradient, numeric);
        });
        var (g, n) = results[0];
        for (int k = 0; k < point.Length; k++) Assert.That(g[k], Is.EqualTo(n[k]).Within(1e-6 * Math.Max(1,
            Math.Abs(n[k]))), $"{kind} component {k}");
    }
}

public class VectorFunctionTests
{
    [Test]
    public void ExpNonPositiveAndLog1pUnit_MatchAccurateReferencesWithinAFewUlp()
    {
        var random = new Random(4);
        int w = System.Numerics.Vector<double>.Count;
        var inputs = Enumerable.Range(0, 40_000).Select(i => i < 20 ? -i * 0.5 : -random.NextDouble() * Math.Pow(10,
            random.Next(-12, 3))).ToArray();
        for (int i = 0; i + w <= inputs.Length; i += w)
        {
            var x = new System.Numerics.Vector<double>(inputs, i);
            var e = MpiDescent.Losses.VectorFunctions.ExpNonPositive(x);
            var l = MpiDescent.Losses.VectorFunctions.Log1pUnit(e);
            for (int k = 0; k < w; k++)
            {
                double exact = Math.Exp(inputs[i + k]);
                if (inputs[i + k] < -708) { Assert.That(e[k], Is.EqualTo(0)); continue; }
                Assert.That(e[k], Is.EqualTo(exact).Within(4e-16 * exact), $"exp({inputs[i + k]:R})");
                // Goldberg's accurate log1p: log(u)·x/(u − 1) with u = 1 + x (Math.Log(1 + x) alone loses x's low
                // digits).
                double u = 1 + exact;
                double reference = u == 1 ? exact : Math.Log(u) * exact / (u - 1);
                Assert.That(l[k], Is.EqualTo(reference).Within(1e-15 * reference + 1e-300),
                    $"log1p(exp({inputs[i + k]:R}))");
                Assert.That(MpiDescent.Losses.VectorFunctions.Log1pUnit(exact),
                    Is.EqualTo(reference).Within(1e-15 * reference + 1e-300), "scalar path");
            }
        }
    }

    [Test]
    public void LogisticEvaluateMany_MatchesPerRowEvaluate()
    {
        var random = new Random(5);
        var z = Enumerable.Range(0, 1001).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3,
            4))).ToArray();
        var y = z.Select(_ => random.Next(2) == 0 ? -1.0 : 1.0).ToArray();
        var values = new double[z.Length];
        var derivatives = new double[z.Length];
        default(MpiDescent.Losses.LogisticLoss).EvaluateMany(z, y, values, derivatives);
        for (int i = 0; i < z.Length; i++)
        {
            var (v, g) = default(MpiDescent.Losses.LogisticLoss).Evaluate(z[i], y[i]);
            Assert.That(values[i], Is.EqualTo(v).Within(1e-15 * Math.Max(Math.Abs(v), 1e-300) + 1e-300),
                $"value at z={z[i]:R}");
            Assert.That(derivatives[i], Is.EqualTo(g).Within(1e-15 * Math.Abs(g) + 1e-300),
                $"derivative at z={z[i]:R}");
        }
    }
}
