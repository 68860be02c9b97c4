using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>The objective's Hessian (issue 15's Newton solver): Hessian-vector products against central differences
/// of the gradient, the diagonal against products with unit vectors, the same over sparse and dense rows, and bitwise
/// the same at any rank count.</summary>
public class HessianTests
{
    private const int Features = 12;

    private static readonly LossKind[] SmoothLosses =
        [LossKind.Squared, LossKind.Logistic, LossKind.SquaredHinge, LossKind.Softmax];

    private static ObjectiveSettings Settings(LossKind loss) =>
        new(loss, FitIntercept: true, L2: 1e-3, Classes: loss.IsMultiClass() ? 3 : 1);

    private static LinearObjective Objective(ICommunicator comm, LossKind loss, bool sparse, int rows = 400)
    {
        var (x, y) = Shards.SparseSynthetic(rows, Features, 0.4, seed: 21, loss);
        var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, Features) : Shards.For(comm, x, y, Features);
        return new LinearObjective(shard, partition, comm, Settings(loss));
    }

    private static double[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
    }

    [TestCaseSource(nameof(SmoothLosses))]
    public void HessianVector_AnyDirection_MatchesCentralDifferenceOfGradient(LossKind loss)
    {
        foreach (bool sparse in new[] { false, true })
        {
            var objective = Objective(new SingleProcessCommunicator(), loss, sparse);
            int n = objective.Dimension;
            var point = Random(n, 1);
            var direction = Random(n, 2);
            var product = new double[n];
            objective.Evaluate(point, new double[n]);
            objective.PrepareHessian(point, new double[n]);
            objective.HessianVector(direction, product);
            const double h = 1e-6;
            var plus = point.Select((v, k) => v + h * direction[k]).ToArray();
            var minus = point.Select((v, k) => v - h * direction[k]).ToArray();
            var (gPlus, gMinus) = (new double[n], new double[n]);
            objective.Evaluate(plus, gPlus);
            objective.Evaluate(minus, gMinus);
            double scale = VectorMath.Norm(product);
            for (int k = 0; k < n; k++)
                Assert.That(product[k], Is.EqualTo((gPlus[k] - gMinus[k]) / (2 * h)).Within(1e-6 * scale),
                    $"{loss}, sparse {sparse}, component {k}");
        }
    }

    [TestCaseSource(nameof(SmoothLosses))]
    public void PrepareHessian_Diagonal_EqualsProductsWithUnitVectors(LossKind loss)
    {
        var objective = Objective(new SingleProcessCommunicator(), loss, sparse: true);
        int n = objective.Dimension;
        var point = Random(n, 3);
        var diagonal = new double[n];
        objective.PrepareHessian(point, diagonal);
        var product = new double[n];
        for (int k = 0; k < n; k++)
        {
            var unit = new double[n];
            unit[k] = 1;
            objective.HessianVector(unit, product);
            Assert.That(diagonal[k], Is.EqualTo(product[k]).Within(1e-14 * Math.Max(1, Math.Abs(product[k]))),
                $"{loss}, entry {k}");
        }
    }

    [Test]
    public void HessianVector_RankCounts1To4SparseAndDense_BitwiseEqual()
    {
        foreach (var loss in SmoothLosses)
            foreach (bool sparse in new[] { false, true })
            {
                (double[] Diagonal, double[] Product) Run(ICommunicator comm)
                {
                    var objective = Objective(comm, loss, sparse, rows: 300);
                    int n = objective.Dimension;
                    var (diagonal, product) = (new double[n], new double[n]);
                    objective.PrepareHessian(Random(n, 4), diagonal);
                    objective.HessianVector(Random(n, 5), product);
                    return (diagonal, product);
                }
                var single = Run(new SingleProcessCommunicator());
                for (int ranks = 2; ranks <= 4; ranks++)
                    foreach (var result in ThreadedCommunicator.Run(ranks, Run))
                    {
                        Assert.That(result.Diagonal, Is.EqualTo(single.Diagonal), $"{loss}, {ranks} ranks");
                        Assert.That(result.Product, Is.EqualTo(single.Product), $"{loss}, {ranks} ranks");
                    }
            }
    }

    [Test]
    public void PrepareHessian_HingeLoss_Refused()
    {
        var objective = Objective(new SingleProcessCommunicator(), LossKind.Hinge, sparse: false);
        Assert.Throws<NotSupportedException>(() =>
            objective.PrepareHessian(new double[objective.Dimension], new double[objective.Dimension]));
    }
}
