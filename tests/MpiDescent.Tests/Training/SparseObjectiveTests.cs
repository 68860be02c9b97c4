using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>The objective over sparse rows (issue 13): the same value and gradient as over the same rows stored dense,
/// bitwise the same at every rank count (ranks with empty slices included), and finite differences.</summary>
public class SparseObjectiveTests
{
    private const int Features = 40;

    private static readonly LossKind[] Losses = LossKinds.All;

    private static ObjectiveSettings Settings(LossKind loss, Summation summation = Summation.Reproducible) =>
        new(loss, FitIntercept: true, L2: 1e-3, Summation: summation, Classes: loss.IsMultiClass() ? 3 : 1);

    private static double[] PointFor(LinearObjective objective, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, objective.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
    }

    private static (double Value, double[] Gradient) Evaluate(ICommunicator comm, LossKind loss, bool sparse,
        double[] x, double[] y, Summation summation = Summation.Reproducible,
        ElementType elementType = ElementType.Float64)
    {
        var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, Features, elementType)
            : Shards.For(comm, x, y, Features);
        var objective = new LinearObjective(shard, partition, comm, Settings(loss, summation));
        var gradient = new double[objective.Dimension];
        var point = PointFor(objective, 5);
        double value = objective.Evaluate(point, gradient);
        // A second evaluation must not see anything the first left in the sparse gradient buffer.
        var again = new double[objective.Dimension];
        Assert.That(objective.Evaluate(point, again), Is.EqualTo(value));
        Assert.That(again, Is.EqualTo(gradient));
        return (value, gradient);
    }

    [TestCaseSource(nameof(Losses))]
    public void Evaluate_SparseAndDenseRows_SameValueAndGradient(LossKind loss)
    {
        var (x, y) = Shards.SparseSynthetic(700, Features, 0.05, seed: 11, loss);
        var comm = new SingleProcessCommunicator();
        var dense = Evaluate(comm, loss, sparse: false, x, y);
        var sparse = Evaluate(comm, loss, sparse: true, x, y);
        Assert.That(sparse.Value, Is.EqualTo(dense.Value).Within(1e-13 * Math.Abs(dense.Value)));
        double scale = VectorMath.Norm(dense.Gradient);
        for (int k = 0; k < dense.Gradient.Length; k++)
            Assert.That(sparse.Gradient[k], Is.EqualTo(dense.Gradient[k]).Within(1e-13 * scale), $"component {k}");
    }

    [Test]
    public void Evaluate_SparseAtRankCounts1To7_BitwiseEqual([Values] bool float32)
    {
        foreach (var loss in Losses)
        {
            // 600 rows: blocks of 2 rows, uneven nonzeros per rank; 5 rows at 7 ranks: two ranks hold nothing.
            foreach (int rows in new[] { 600, 5 })
            {
                var (x, y) = Shards.SparseSynthetic(rows, Features, 0.05, seed: 12, loss);
                var type = float32 ? ElementType.Float32 : ElementType.Float64;
                var single = Evaluate(new SingleProcessCommunicator(), loss, true, x, y, elementType: type);
                for (int ranks = 2; ranks <= 7; ranks++)
                    foreach (var result in ThreadedCommunicator.Run(ranks, c => Evaluate(c, loss, true, x, y,
                        elementType: type)))
                    {
                        Assert.That(result.Value, Is.EqualTo(single.Value), $"{loss}, {rows} rows, {ranks} ranks");
                        Assert.That(result.Gradient, Is.EqualTo(single.Gradient),
                            $"{loss}, {rows} rows, {ranks} ranks");
                    }
            }
        }
    }

    /// <summary>70,000 rows make blocks of 256 rows, so that the pass takes several sub-blocks per block.</summary>
    [TestCase(LossKind.Logistic)]
    [TestCase(LossKind.Softmax)]
    public void Evaluate_LargeBlocks_SparseSameAsDense(LossKind loss)
    {
        var (x, y) = Shards.SparseSynthetic(70_000, Features, 0.05, seed: 16, loss);
        Assert.That(new RowPartition(y.Length, 2).BlockRows, Is.GreaterThan(DenseKernels.MaxSubBlockRows));
        var dense = Evaluate(new SingleProcessCommunicator(), loss, false, x, y);
        foreach (var sparse in ThreadedCommunicator.Run(2, c => Evaluate(c, loss, true, x, y)))
        {
            Assert.That(sparse.Value, Is.EqualTo(dense.Value).Within(1e-13 * Math.Abs(dense.Value)));
            double scale = VectorMath.Norm(dense.Gradient);
            for (int k = 0; k < dense.Gradient.Length; k++)
                Assert.That(sparse.Gradient[k], Is.EqualTo(dense.Gradient[k]).Within(1e-13 * scale));
        }
    }

    [Test]
    public void Evaluate_SparsePlainSummation_Within1e12OfSingleProcess()
    {
        var (x, y) = Shards.SparseSynthetic(600, Features, 0.05, seed: 13, LossKind.Logistic);
        var single = Evaluate(new SingleProcessCommunicator(), LossKind.Logistic, true, x, y, Summation.Plain);
        foreach (var result in ThreadedCommunicator.Run(3, c => Evaluate(c, LossKind.Logistic, true, x, y,
            Summation.Plain)))
            for (int k = 0; k < single.Gradient.Length; k++)
                Assert.That(result.Gradient[k], Is.EqualTo(single.Gradient[k]).Within(1e-12));
    }

    [TestCase(LossKind.Logistic)]
    [TestCase(LossKind.Softmax)]
    [TestCase(LossKind.SquaredHinge)]
    public void Evaluate_SparseGradient_MatchesCentralFiniteDifference(LossKind loss)
    {
        var (x, y) = Shards.SparseSynthetic(300, Features, 0.1, seed: 14, loss);
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.SparseFor(comm, x, y, Features);
        var objective = new LinearObjective(shard, partition, comm, Settings(loss));
        var point = PointFor(objective, 6);
        var gradient = new double[objective.Dimension];
        objective.Evaluate(point, gradient);
        var scratch = new double[objective.Dimension];
        for (int k = 0; k < point.Length; k += 7)
        {
            const double h = 1e-5;
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[k] += h;
            minus[k] -= h;
            double numeric = (objective.Evaluate(plus, scratch) - objective.Evaluate(minus, scratch)) / (2 * h);
            Assert.That(gradient[k], Is.EqualTo(numeric).Within(1e-7 * Math.Max(1, Math.Abs(numeric))),
                $"component {k}");
        }
    }

    [Test]
    public void EvaluateSample_SparseRows_EqualsDenseSample()
    {
        var (x, y) = Shards.SparseSynthetic(400, Features, 0.05, seed: 15, LossKind.Logistic);
        long[] rows = [3, 17, 17, 250, 399, 0];
        double[] Sample(ICommunicator comm, bool sparse)
        {
            var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, Features) : Shards.For(comm, x, y, Features);
            var objective = new LinearObjective(shard, partition, comm, Settings(LossKind.Logistic));
            var gradient = new double[objective.Dimension];
            objective.EvaluateSample(PointFor(objective, 7), rows, gradient);
            return gradient;
        }
        var dense = Sample(new SingleProcessCommunicator(), false);
        foreach (var sparse in ThreadedCommunicator.Run(3, c => Sample(c, true)))
            for (int k = 0; k < dense.Length; k++)
                Assert.That(sparse[k], Is.EqualTo(dense[k]).Within(1e-14 * Math.Max(1, Math.Abs(dense[k]))));
    }
}
