using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

public class SolverTests
{
    private const int Features = 5;
    private static readonly (double[] X, double[] Y) Data = TestData.Synthetic(rows: 3001, features: Features,
        seed: 11);
    private static readonly double[] Optimum = Shards.QrSolution(Data.X, Data.Y, Features);
    private static readonly double OptimalLoss = Shards.Loss(Data.X, Data.Y, Features, Optimum);

    private static LinearObjective Objective(ICommunicator comm, double[]? x = null, double[]? y = null,
        int features = Features)
    {
        var (shard, partition) = Shards.For(comm, x ?? Data.X, y ?? Data.Y, features);
        return new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
            Summation: Summation.Reproducible));
    }

    [Test]
    public void NormalEquations_Solve_MatchesQrAtEveryRankCount([Values(1, 2, 3, 7)] int ranks)
    {
        var solutions = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, Data.X, Data.Y, Features);
            return NormalEquations.Solve(shard, partition, comm, true, Summation.Reproducible);
        });
        foreach (var solution in solutions)
            for (int k = 0; k < Optimum.Length; k++) Assert.That(solution[k],
                Is.EqualTo(Optimum[k]).Within(1e-10 * VectorMath.Norm(Optimum)));
    }

    [Test]
    public void NormalEquations_DuplicatedFeature_ThrowsSingular()
    {
        var x = Enumerable.Range(0, 100).SelectMany(i => new[] { i * 0.1, i * 0.1 }).ToArray();
        var y = Enumerable.Range(0, 100).Select(i => i * 1.0).ToArray();
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, 2);
        var e = Assert.Throws<MpiDescentException>(() => NormalEquations.Solve(shard, partition, comm, true,
            Summation.Reproducible))!;
        Assert.That(e.Message, Does.Contain("singular"));
    }

    [Test]
    public void GradientDescent_AutoStep_ConvergesToQrOptimum([Values(1, 3)] int ranks)
    {
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var objective = Objective(comm);
            double step = 1.0 / StepSizeEstimator.LargestCurvature(objective);
            return SolverLoop.Minimize(new GradientDescent(objective, step), objective, new TerminationCriteria(5000,
                1e-10), new double[Features + 1]);
        });
        foreach (var result in results)
        {
            Assert.That(result.Exit, Is.EqualTo(ExitCondition.Converged));
            Assert.That(result.Value, Is.EqualTo(OptimalLoss).Within(1e-9).Percent);
            for (int k = 0; k < Optimum.Length; k++) Assert.That(result.Point[k],
                Is.EqualTo(Optimum[k]).Within(1e-7 * VectorMath.Norm(Optimum)));
            Assert.That(result.Point, Is.EqualTo(results[0].Point), "identical on every rank");
        }
    }

    [Test]
    public void StepSizeEstimator_LargestCurvature_MatchesLargestEigenvalue()
    {
        var a = Shards.Design(Data.X, Data.Y.Length, Features);
        var hessian = a.TransposeThisAndMultiply(a) / Data.Y.Length;
        double largest = hessian.Evd().EigenValues.Select(c => c.Real).Max();
        double estimate = StepSizeEstimator.LargestCurvature(Objective(new SingleProcessCommunicator()),
            relativeTolerance: 1e-9, maxIterations: 500);
        Assert.That(estimate, Is.EqualTo(largest).Within(1e-4).Percent);
    }

    [Test]
    public void GradientDescent_TooLargeStep_ReportsDivergedAndKeepsFinitePoint()
    {
        var objective = Objective(new SingleProcessCommunicator());
        double step = 5.0 / StepSizeEstimator.LargestCurvature(objective);
        var result = SolverLoop.Minimize(new GradientDescent(objective, step), objective,
            new TerminationCriteria(100_000, 1e-12), new double[Features + 1]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.Diverged));
        Assert.That(result.Point.All(double.IsFinite), Is.True);
        Assert.That(result.ExitReason, Does.Contain("smaller --learning-rate"));
    }

    [Test]
    public void MiniBatchSgd_TenEpochs_ApproachesOptimumIdenticallyAtAnyRankCount()
    {
        OptimizationResult Run(ICommunicator comm)
        {
            var objective = Objective(comm);
            double step = 0.5 / StepSizeEstimator.LargestCurvature(objective);
            return SolverLoop.Minimize(new MiniBatchSgd(objective, step, 32, 42), objective,
                new TerminationCriteria(10, 0), new double[Features + 1]);
        }
        var single = Run(new SingleProcessCommunicator());
        double initial = single.History[0].Loss;
        Assert.That((single.Value - OptimalLoss) / (initial - OptimalLoss), Is.LessThan(1e-3));
        foreach (var result in ThreadedCommunicator.Run(3, Run)) Assert.That(result.Point, Is.EqualTo(single.Point));
    }

    [Test]
    public void FeatureScaling_ToOriginalScale_PredictsLikeTheScaledModel()
    {
        var comm = new SingleProcessCommunicator();
        var (shard, _) = Shards.For(comm, Data.X.Select(v => v * 300 + 40).ToArray(), Data.Y, Features);
        var raw = shard.Features.Doubles();
        var scaling = FeatureScaling.Compute(shard, Data.Y.Length, comm, center: true, Summation.Reproducible);
        scaling.Apply(shard);
        var standardized = shard.Features.Doubles();
        for (int j = 0; j < Features; j++)
        {
            var column = Enumerable.Range(0, shard.Rows).Select(i => standardized[i * Features + j]).ToArray();
            Assert.That(column.Average(), Is.EqualTo(0).Within(1e-12));
            Assert.That(Math.Sqrt(column.Average(v => v * v)), Is.EqualTo(1).Within(1e-12));
        }
        double[] scaled = [0.5, -1, 2, 0.25, 3, 7];
        var original = scaling.ToOriginalScale(scaled, new MpiDescent.Model.ParameterLayout(Features));
        for (int i = 0; i < shard.Rows; i += 100)
        {
            double a = DenseKernels.Dot(standardized.AsSpan(i * Features, Features), scaled.AsSpan(0, Features))
                + scaled[Features];
            double b = DenseKernels.Dot(raw.AsSpan(i * Features, Features), original.AsSpan(0, Features))
                + original[Features];
            Assert.That(b, Is.EqualTo(a).Within(1e-10 * Math.Max(1, Math.Abs(a))));
        }
    }

    [Test]
    public void ShuffledRowOrder_EachEpoch_IsAPermutationThatChanges([Values(1, 2, 3, 100, 1000, 4097)] int rows)
    {
        var order = new ShuffledRowOrder(rows, 9);
        var epoch0 = Enumerable.Range(0, rows).Select(p => order.RowAt(0, p)).ToArray();
        var epoch1 = Enumerable.Range(0, rows).Select(p => order.RowAt(1, p)).ToArray();
        Assert.That(epoch0.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, rows).Select(v => (long)v)));
        Assert.That(epoch1.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, rows).Select(v => (long)v)));
        if (rows >= 100) Assert.That(epoch0, Is.Not.EqualTo(epoch1));
    }

    [Test]
    public void TerminationCriteria_Check_StopsForEachReason()
    {
        var criteria = new TerminationCriteria(10, 1e-3);
        Assert.That(criteria.Check(3, 1, 1, 1e-4, 1)?.Exit, Is.EqualTo(ExitCondition.Converged));
        Assert.That(criteria.Check(10, 1, 1, 1, 1)?.Exit, Is.EqualTo(ExitCondition.MaxIterations));
        Assert.That(criteria.Check(2, 1e9, 1, 1, 1)?.Exit, Is.EqualTo(ExitCondition.Diverged));
        Assert.That(criteria.Check(2, 1, 1, 0.5, 1), Is.Null);
    }
}
