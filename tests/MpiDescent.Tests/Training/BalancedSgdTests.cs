using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>sgd's class-balanced draws (<c>--balance</c>): what an epoch draws, the same at any rank count; the
/// batch gradient an unbiased estimate of the class-weighted gradient (exactly, summed over an epoch); the model
/// bitwise the same at any rank count and across a resume; the balanced objective reached.</summary>
public class BalancedSgdTests
{
    private const int Features = 5;
    private static string _dir = "";

    [OneTimeSetUp]
    public void WriteFiles() => _dir = TestData.TempDirectory();

    /// <summary>Every draw of <paramref name="epoch"/> as (global row, class), gathered over ranks split at
    /// <paramref name="bounds"/>.</summary>
    private static (long Row, int Class)[] Draws(int[] classOf, int classes, BalanceMode mode, int[] bounds, int epoch)
    {
        var parts = ThreadedCommunicator.Run(bounds.Length - 1, comm =>
        {
            int start = bounds[comm.Rank], end = bounds[comm.Rank + 1];
            var batches = new ClassBalancedBatches(classOf.AsSpan(start, end - start), classes, mode, 77, comm);
            var list = new List<(long, long, int)>();
            var rows = new int[100];
            var cls = new int[100];
            for (long p = 0; p < batches.EpochLength; p += 100)
            {
                int count = (int)Math.Min(100, batches.EpochLength - p);
                int found = batches.LocalDraws(epoch, p, count, rows, cls);
                for (int k = 0; k < found; k++) list.Add((p, start + rows[k], cls[k]));
            }
            return list;
        });
        // Within a batch the draws' order across ranks does not matter to the sum; compare as sorted multisets.
        return parts.SelectMany(p => p).OrderBy(t => t.Item1).ThenBy(t => t.Item2).Select(t => (t.Item2, t.Item3))
            .ToArray();
    }

    [Test]
    public void LocalDraws_OneToThousandImbalance_EqualSharesAndTheSameAtAnyRankCount([Values] BalanceMode mode)
    {
        if (mode == BalanceMode.None) return;
        // Sorted by class: rank 0 holds the 3 minority rows, the other ranks a single class; rows 10..19 are
        // validation rows (never drawn).
        var classOf = Enumerable.Range(0, 3013).Select(i => i < 3 ? 1 : i is >= 10 and < 20 ? -1 : 0).ToArray();
        var single = Draws(classOf, 2, mode, [0, 3013], epoch: 0);
        Assert.That(single, Has.Length.EqualTo(mode == BalanceMode.Oversample ? 6000 : 6));
        Assert.That(single.Count(d => d.Class == 1), Is.EqualTo(single.Length / 2), "each class half the draws");
        Assert.That(single.All(d => classOf[d.Row] == d.Class), Is.True);
        var minority = single.Where(d => d.Class == 1).GroupBy(d => d.Row).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(minority.Keys.Order(), Is.EqualTo(new long[] { 0, 1, 2 }));
        Assert.That(minority.Values, Is.All.EqualTo(mode == BalanceMode.Oversample ? 1000 : 1));
        var majority = single.Where(d => d.Class == 0).Select(d => d.Row).ToArray();
        Assert.That(majority.Distinct().Count(), Is.EqualTo(majority.Length), "no majority row twice in an epoch");
        foreach (var bounds in new[] { new[] { 0, 1500, 3013 }, [0, 5, 2000, 3013] })
            Assert.That(Draws(classOf, 2, mode, bounds, 0), Is.EqualTo(single), string.Join(",", bounds));
        Assert.That(Draws(classOf, 2, mode, [0, 3013], epoch: 1), Is.Not.EqualTo(single), "a new order per epoch");
    }

    [TestCase(LossKind.Logistic)]
    [TestCase(LossKind.Softmax)]
    public void EvaluateWeightedSample_OversampledEpoch_AveragesToTheClassWeightedGradient(LossKind loss)
    {
        // 40, 20 and 10 rows of three classes (two for logistic: 60 and 10), with arbitrary class weights: every
        // row recurs exactly n/n_c times in an oversampled epoch, so the mean batch gradient is the full one.
        var random = new Random(4);
        int rows = 70;
        var x = Enumerable.Range(0, rows * Features).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, rows).Select(i => loss == LossKind.Softmax ? (i < 40 ? 0.0 : i < 60 ? 1 : 2)
            : i < 60 ? -1.0 : 1).ToArray();
        var settings = loss == LossKind.Softmax
            ? new ObjectiveSettings(loss, L2: 0.1, Classes: 3) { MultiClassWeights = [0.5, 2, 3] }
            : new ObjectiveSettings(loss, L2: 0.1, NegativeClassWeight: 0.7, PositiveClassWeight: 4);
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, Features);
        var objective = new LinearObjective(shard, partition, comm, settings,
            weights: RowWeights.Build(shard, settings, 0, comm));
        var theta = Enumerable.Range(0, objective.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var full = new double[objective.Dimension];
        double fullLoss = objective.Evaluate(theta, full);
        var classOf = y.Select(v => loss == LossKind.Softmax ? (int)v : v > 0 ? 1 : 0).ToArray();
        var batches = new ClassBalancedBatches(classOf, loss == LossKind.Softmax ? 3 : 2, BalanceMode.Oversample, 3,
            comm);
        const int batch = 30;
        Assert.That(batches.EpochLength % batch, Is.EqualTo(0));
        var mean = new double[objective.Dimension];
        double meanLoss = 0;
        var drawRows = new int[batch];
        var drawClasses = new int[batch];
        for (long p = 0; p < batches.EpochLength; p += batch)
        {
            int found = batches.LocalDraws(0, p, batch, drawRows, drawClasses);
            var factors = drawClasses.Take(found).Select(batches.ImportanceFactor).ToArray();
            var g = new double[objective.Dimension];
            meanLoss += objective.EvaluateWeightedSample(theta, drawRows.AsSpan(0, found), factors, batch, g);
            for (int k = 0; k < g.Length; k++) mean[k] += g[k] * batch / batches.EpochLength;
        }
        meanLoss *= (double)batch / batches.EpochLength;
        Assert.That(meanLoss, Is.EqualTo(fullLoss).Within(1e-13));
        for (int k = 0; k < full.Length; k++) Assert.That(mean[k], Is.EqualTo(full[k]).Within(1e-13), $"{k}");
    }

    private static string ImbalancedFile()
    {
        var path = Path.Combine(_dir, "imbalanced.bin");
        if (File.Exists(path)) return path;
        // About 4% positives; the positive class is shifted along every feature.
        var random = new Random(11);
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < 1200; i++)
        {
            bool positive = random.NextDouble() < 0.04;
            for (int j = 0; j < Features; j++) x.Add(random.NextDouble() * 2 - 1 + (positive ? 0.6 : 0));
            y.Add(positive ? 1 : 0);
        }
        return TestData.WriteDataFile(_dir, x.ToArray(), y.ToArray(), Features, "imbalanced.bin");
    }

    private static readonly TrainingSettings Balanced = new()
    {
        Loss = LossKind.Logistic,
        Solver = SolverCatalog.Get(SolverKind.Sgd),
        L2 = 0.01,
        LearningRate = 0.5,
        Epochs = 3,
        BatchSize = 16,
        Seed = 21,
        Tolerance = 0,
        Balance = BalanceMode.Oversample,
    };

    private static OptimizationResult Train(ICommunicator comm, TrainingSettings settings, SolverHooks? hooks = null)
    {
        using var file = MpiDescent.Data.DataFile.Open(ImbalancedFile());
        var problem = TrainingProblem.Build(file, settings, comm, TrainingLog.Silent(comm, TextWriter.Null));
        return problem.Solve(hooks ?? SolverHooks.None);
    }

    [Test]
    public void Solve_BalancedSgd_BitwiseTheSameAtOneTwoAndThreeRanksAndAcrossAResume([Values] BalanceMode mode)
    {
        if (mode == BalanceMode.None) return;
        var settings = Balanced with
        {
            Balance = mode,
            ValidationFraction = 0.2,
            Epochs = mode == BalanceMode
            .Undersample ? 20 : 3
        };
        var single = Train(new SingleProcessCommunicator(), settings);
        Assert.That(single.Exit, Is.EqualTo(ExitCondition.MaxIterations), single.ExitReason);
        foreach (int ranks in new[] { 2, 3 })
            foreach (var result in ThreadedCommunicator.Run(ranks, comm => Train(comm, settings)))
                Assert.That(result.Point, Is.EqualTo(single.Point), $"{ranks} ranks");
        // A checkpoint after the first epoch at 3 ranks, resumed at 2.
        var states = new SolverState[3];
        ThreadedCommunicator.Run(3, comm => Train(comm, settings with { Epochs = 2 }, new SolverHooks(
            Checkpoint: state => states[comm.Rank] ??= state with { Point = state.Point.ToArray() },
            CheckpointEvery: 1)));
        Assert.That(states[0].Position, Is.EqualTo(0));
        foreach (var result in ThreadedCommunicator.Run(2, comm => Train(comm, settings,
            new SolverHooks(ResumeFrom: states[0]))))
            Assert.That(result.Point, Is.EqualTo(single.Point), "resumed");
    }

    [Test]
    public void Solve_BalancedSgd_ReachesTheClassWeightedOptimumThatPlainSgdMisses()
    {
        // The reference: lbfgs on the same objective with --class-weight balanced, to a tight tolerance.
        var comm = new SingleProcessCommunicator();
        var optimum = Train(comm, Balanced with
        {
            Solver = SolverCatalog.Get(SolverKind.Lbfgs),
            LearningRate = null,
            Balance = BalanceMode.None,
            ClassWeights = ClassWeights.BalancedClasses,
            Tolerance = 1e-10,
            MaxIterations = 500,
        });
        Assert.That(optimum.Exit, Is.EqualTo(ExitCondition.Converged), optimum.ExitReason);
        var schedule = Balanced with { Epochs = 30, Schedule = "inverse-scaling", LearningRate = 1 };
        var balanced = Train(comm, schedule);
        var plain = Train(comm, schedule with { Balance = BalanceMode.None });
        double Gap(double[] point) => VectorMath.Norm(point.Zip(optimum.Point, (a, b) => a - b).ToArray())
            / VectorMath.Norm(optimum.Point);
        TestContext.Out.WriteLine($"J* {optimum.Value:R}, balanced sgd {balanced.Value:R} (gap "
            + $"{Gap(balanced.Point):G3}), plain sgd {plain.Value:R} (gap {Gap(plain.Point):G3})");
        Assert.That(balanced.Value - optimum.Value, Is.LessThan(1e-3 * optimum.Value), "the balanced objective");
        Assert.That(Gap(balanced.Point), Is.LessThan(0.05));
        Assert.That(Gap(plain.Point), Is.GreaterThan(0.3), "plain sgd fits the unweighted objective instead");
    }

    public static IEnumerable<TestCaseData> Refusals()
    {
        yield return new TestCaseData(Balanced with
        {
            Solver = SolverCatalog.Get(SolverKind.Lbfgs),
            LearningRate =
            null
        }, "use --class-weight balanced").SetName("lbfgs");
        yield return new TestCaseData(Balanced with { Loss = LossKind.Squared }, "classification loss")
            .SetName("squared");
        yield return new TestCaseData(Balanced with { ClassWeights = new ClassWeights(false, 1, 2) },
            "drop --class-weight").SetName("class weights");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Validate_BalanceWhereItDoesNotApply_Refused(TrainingSettings settings, string message)
    {
        var error = Assert.Throws<UsageException>(settings.Validate)!;
        Assert.That(error.Message, Does.Contain(message));
    }
}
