using MathNet.Numerics.LinearAlgebra;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

public class LinearObjectiveTests
{
    private const int Features = 7;
    private static readonly (double[] X, double[] Y) Data = TestData.Synthetic(rows: 1237, features: Features, seed: 3);
    private static readonly double[] Point = [0.3, -1.2, 0.5, 2.0, -0.7, 0.1, 0.9, -0.4];

    private static double[] Gradient(ICommunicator comm, Summation summation, out double value)
    {
        var (shard, partition) = Shards.For(comm, Data.X, Data.Y, Features);
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
            Summation: summation));
        var gradient = new double[objective.Dimension];
        value = objective.Evaluate(Point, gradient);
        return gradient;
    }

    [Test]
    public void Evaluate_SingleRank_MatchesMathNetFormula()
    {
        var gradient = Gradient(new SingleProcessCommunicator(), Summation.Reproducible, out double value);
        var a = Shards.Design(Data.X, Data.Y.Length, Features);
        var r = a * Vector<double>.Build.Dense(Point) - Vector<double>.Build.Dense(Data.Y);
        var expected = (a.TransposeThisAndMultiply(r) / Data.Y.Length).ToArray();
        Assert.That(value, Is.EqualTo(r.DotProduct(r) / (2.0 * Data.Y.Length)).Within(1e-13).Percent);
        for (int k = 0; k < expected.Length; k++) Assert.That(gradient[k],
            Is.EqualTo(expected[k]).Within(1e-12 * VectorMath.Norm(expected)));
    }

    [Test]
    public void Evaluate_Gradient_MatchesCentralFiniteDifference()
    {
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, Data.X, Data.Y, Features);
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
            Summation: Summation.Reproducible));
        var gradient = new double[objective.Dimension];
        objective.Evaluate(Point, gradient);
        var scratch = new double[objective.Dimension];
        for (int k = 0; k < Point.Length; k++)
        {
            const double h = 1e-5;
            var plus = (double[])Point.Clone();
            var minus = (double[])Point.Clone();
            plus[k] += h;
            minus[k] -= h;
            double numeric = (objective.Evaluate(plus, scratch) - objective.Evaluate(minus, scratch)) / (2 * h);
            Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-7 * Math.Max(1, Math.Abs(numeric))),
                $"component {k}");
        }
    }

    [Test]
    public void Evaluate_ReproducibleAtAnyRankCount_BitwiseEqualToSingleProcess([Values(2, 3, 7)] int ranks)
    {
        var reference = Gradient(new SingleProcessCommunicator(), Summation.Reproducible, out double value);
        var results = ThreadedCommunicator.Run(ranks, comm => (Gradient(comm, Summation.Reproducible, out double v),
            v));
        foreach (var (gradient, v) in results)
        {
            Assert.That(gradient, Is.EqualTo(reference));
            Assert.That(v, Is.EqualTo(value));
        }
    }

    [Test]
    public void Evaluate_PlainAtAnyRankCount_Within1e12OfSingleProcess([Values(2, 3, 7)] int ranks)
    {
        var reference = Gradient(new SingleProcessCommunicator(), Summation.Plain, out _);
        var results = ThreadedCommunicator.Run(ranks, comm => Gradient(comm, Summation.Plain, out _));
        double scale = VectorMath.Norm(reference);
        foreach (var gradient in results)
            for (int k = 0; k < reference.Length; k++) Assert.That(gradient[k],
                Is.EqualTo(reference[k]).Within(1e-12 * scale));
    }

    [Test]
    public void EvaluateSample_RowsSpreadOverRanks_EqualsSingleProcessSample([Values(1, 3)] int ranks)
    {
        long[] rows = [0, 5, 1236, 600, 601, 17];
        double[] Sample(ICommunicator comm)
        {
            var (shard, partition) = Shards.For(comm, Data.X, Data.Y, Features);
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
                Summation: Summation.Reproducible));
            var g = new double[objective.Dimension];
            objective.EvaluateSample(Point, rows, g);
            return g;
        }
        var x = Shards.Design(Data.X, Data.Y.Length, Features);
        var expected = new double[Point.Length];
        foreach (var row in rows)
        {
            double r = x.Row((int)row).DotProduct(Vector<double>.Build.Dense(Point)) - Data.Y[row];
            for (int k = 0; k < Point.Length; k++) expected[k] += r * x[(int)row, k] / rows.Length;
        }
        foreach (var g in ThreadedCommunicator.Run(ranks, Sample))
            for (int k = 0; k < Point.Length; k++) Assert.That(g[k],
                Is.EqualTo(expected[k]).Within(1e-12 * VectorMath.Norm(expected)));
    }

    [Test]
    public void Evaluate_OverflowOnOneRank_AllRanksThrow()
    {
        var x = (double[])Data.X.Clone();
        x[5] = 1e150; // row 0, on rank 0 only
        var results = ThreadedCommunicator.Run(3, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, Data.Y, Features);
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
                Summation: Summation.Reproducible));
            try { objective.Evaluate(Point, new double[objective.Dimension]); return false; }
            catch (NonFiniteValueException) { return true; }
        });
        Assert.That(results, Is.All.True);
    }
}
