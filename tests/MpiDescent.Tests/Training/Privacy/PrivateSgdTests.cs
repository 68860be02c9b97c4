using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Training.Privacy;

namespace MpiDescent.Tests.Training.Privacy;

/// <summary>Differentially private SGD: the clipped, noisy gradient against a direct computation, the model bitwise
/// the same at any rank count and across a resume, and the refusals that keep the guarantee true.</summary>
public class PrivateSgdTests
{
    private const int Features = 6;
    private static string _dir = "";

    [OneTimeSetUp]
    public void WriteFiles() => _dir = TestData.TempDirectory();

    /// <summary>Per-row gradient (ℓ'(z)·x, ℓ'(z)) of row i, or K of them for softmax, output-major.</summary>
    private static double[] RowGradient(LossKind loss, double[] x, double y, double[] theta, int outputs)
    {
        int d = x.Length;
        var z = new double[outputs];
        for (int k = 0; k < outputs; k++)
        {
            z[k] = theta[outputs * d + k];
            for (int j = 0; j < d; j++) z[k] += theta[k * d + j] * x[j];
        }
        var r = new double[outputs];
        if (loss == LossKind.Softmax)
        {
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            for (int k = 0; k < outputs; k++) r[k] = Math.Exp(z[k] - max) / sum - (k == (int)y ? 1 : 0);
        }
        else if (loss == LossKind.Logistic) r[0] = -y / (1 + Math.Exp(y * z[0]));
        else r[0] = z[0] - y;
        var g = new double[theta.Length];
        for (int k = 0; k < outputs; k++)
        {
            for (int j = 0; j < d; j++) g[k * d + j] = r[k] * x[j];
            g[outputs * d + k] = r[k];
        }
        return g;
    }

    [Test]
    public void EvaluateClippedSample_AgainstDirectSum_ClippedNoisyAndPenalized(
        [Values(LossKind.Squared, LossKind.Logistic, LossKind.Softmax)] LossKind loss, [Values] bool sparse)
    {
        var (x, y) = Shards.SparseSynthetic(60, Features, 0.5, seed: 5, loss);
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, Features) : Shards.For(comm, x, y, Features);
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(Loss: loss, L2: 0.05,
            FitIntercept: true, Summation: Summation.Reproducible, Classes: loss == LossKind.Softmax ? 3 : 1));
        int outputs = objective.Layout.Outputs;
        var random = new Random(1);
        var theta = Enumerable.Range(0, objective.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var noise = Enumerable.Range(0, objective.Dimension).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        int[] rows = [0, 3, 4, 17, 30, 31, 44, 59];
        var perRow = rows.Select(i => RowGradient(loss, x[(i * Features)..((i + 1) * Features)], y[i], theta,
            outputs)).ToArray();
        var norms = perRow.Select(g => Math.Sqrt(g.Sum(v => v * v))).ToArray();
        double clip = norms.Order().ElementAt(rows.Length / 2) * 0.999; // half the rows are clipped
        const double divisor = 10;
        var expected = new double[objective.Dimension];
        for (int r = 0; r < rows.Length; r++)
            for (int k = 0; k < expected.Length; k++) expected[k] += perRow[r][k] * Math.Min(1, clip / norms[r]);
        for (int k = 0; k < expected.Length; k++)
        {
            expected[k] = (expected[k] + noise[k]) / divisor;
            if (k < objective.Layout.WeightCount) expected[k] += 0.05 * theta[k];
        }
        var gradient = new double[objective.Dimension];
        objective.EvaluateClippedSample(theta, rows, clip, noise, divisor, gradient);
        for (int k = 0; k < expected.Length; k++)
            Assert.That(gradient[k], Is.EqualTo(expected[k]).Within(1e-13), $"component {k}");
        // The same rows without clipping (C beyond every row's norm) and without noise: the plain sample gradient.
        var plain = new double[objective.Dimension];
        objective.EvaluateClippedSample(theta, rows, 1e300, new double[objective.Dimension], rows.Length, plain);
        var sample = new double[objective.Dimension];
        objective.EvaluateSample(theta, rows.Select(r => (long)r).ToArray(), sample);
        for (int k = 0; k < plain.Length; k++) Assert.That(plain[k], Is.EqualTo(sample[k]).Within(1e-15));
    }

    private static string DataFile(bool sparse)
    {
        var path = Path.Combine(_dir, sparse ? "private-sparse.bin" : "private-dense.bin");
        if (File.Exists(path)) return path;
        var (x, y) = Shards.SparseSynthetic(301, Features, 0.4, seed: 9, LossKind.Logistic);
        if (!sparse) return TestData.WriteDataFile(_dir, x, y, Features, Path.GetFileName(path));
        return TestData.WriteSparseDataFile(_dir, x, y, Features, Path.GetFileName(path));
    }

    private static readonly TrainingSettings Private = new()
    {
        Loss = LossKind.Logistic,
        Solver = SolverCatalog.Get(SolverKind.Sgd),
        L2 = 0.01,
        LearningRate = 0.3,
        Epochs = 4,
        BatchSize = 32,
        Privacy = new PrivacySettings(ClipNorm: 1.0, Delta: 1e-3, NoiseMultiplier: 0.8, TargetEpsilon: null),
    };

    /// <summary>θ and the final loss of a private run (collective); the seed comes as from a checkpoint, since a
    /// private run takes none on its command line.</summary>
    private static (double[] Model, long Steps) Train(ICommunicator comm, string path, TrainingSettings settings,
        SolverHooks? hooks = null)
    {
        using var file = MpiDescent.Data.DataFile.Open(path);
        var problem = TrainingProblem.Build(file, settings, comm, TrainingLog.Silent(comm, TextWriter.Null),
            resumed: new ResumedChoices(0.3, "given", 12345));
        var result = problem.Solve(hooks ?? SolverHooks.None);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.MaxIterations), result.ExitReason);
        return (result.Point.Append(result.Value).ToArray(), problem.PrivacySpent!.Steps);
    }

    [Test]
    public void Solve_PrivateSgd_BitwiseTheSameAtOneTwoAndThreeRanks([Values] bool sparse)
    {
        string path = DataFile(sparse);
        var (single, steps) = Train(new SingleProcessCommunicator(), path, Private);
        Assert.That(steps, Is.EqualTo(4 * 10), "4 epochs of ⌈301/32⌉ = 10 steps");
        var (noiseless, _) = Train(new SingleProcessCommunicator(), path, Private with
        {
            Privacy = Private.Privacy! with { NoiseMultiplier = 1e-9 },
        });
        Assert.That(VectorMath.Norm(single.Zip(noiseless, (a, b) => a - b).ToArray()), Is.GreaterThan(0.01),
            "the noise moves the model");
        foreach (int ranks in new[] { 2, 3 })
            foreach (var (model, ranSteps) in ThreadedCommunicator.Run(ranks, comm => Train(comm, path, Private)))
            {
                Assert.That(model, Is.EqualTo(single), $"{ranks} ranks");
                Assert.That(ranSteps, Is.EqualTo(steps));
            }
    }

    [Test]
    public void Solve_PrivateCheckpointResumedAtAnotherRankCount_ContinuesBitForBitAndItsEpsilon()
    {
        string path = DataFile(sparse: false);
        var (whole, steps) = Train(new SingleProcessCommunicator(), path, Private);
        var states = new SolverState[3];
        ThreadedCommunicator.Run(3, comm => Train(comm, path, Private with { Epochs = 3 }, new SolverHooks(
            Checkpoint: state => states[comm.Rank] = state with { Point = state.Point.ToArray() },
            CheckpointEvery: 2)));
        Assert.That(states[0].Iteration, Is.EqualTo(2));
        var resumed = ThreadedCommunicator.Run(2, comm => Train(comm, path, Private,
            new SolverHooks(ResumeFrom: states[0])));
        foreach (var (model, resumedSteps) in resumed)
        {
            Assert.That(model, Is.EqualTo(whole));
            Assert.That(resumedSteps, Is.EqualTo(steps), "the resumed run's account includes the first run's steps");
        }
    }

    [TestCase(PrivateUpdate.Momentum)]
    [TestCase(PrivateUpdate.Adam)]
    public void PrivateUpdate_WholeBatchNoNoiseNoClipping_TheFullBatchSolversIterates(PrivateUpdate update)
    {
        // q = 1 (every row in every batch), σ = 0 and a clip norm no row reaches: each private step is the full-batch
        // solver's step, so both must follow the same iterates.
        var (x, y) = Shards.SparseSynthetic(120, Features, 0.6, seed: 3, LossKind.Logistic);
        var comm = new SingleProcessCommunicator();
        LinearObjective Objective()
        {
            var (shard, partition) = Shards.For(comm, x, y, Features);
            return new LinearObjective(shard, partition, comm, new ObjectiveSettings(LossKind.Logistic, L2: 0.02));
        }
        var plan = new PrivacyPlan(0, 1e6, 1e-5, 1, 1, null) { Update = update };
        var privateObjective = Objective();
        var privateRun = new PrivateSgd(privateObjective, 0.2, 120, 7, plan, 0, 120, momentum: 0.8);
        var reference = Objective();
        IIterativeMethod fullBatch = update == PrivateUpdate.Momentum
            ? new MomentumDescent(reference, 0.2, 0.8, nesterov: false) : new Adam(reference, 0.2);
        var start = new double[Features + 1];
        var a = SolverLoop.Minimize(privateRun, privateObjective, new TerminationCriteria(12, 0), start);
        var b = SolverLoop.Minimize(fullBatch, reference, new TerminationCriteria(12, 0), start);
        Assert.That(privateRun.StepsTaken, Is.EqualTo(12));
        for (int k = 0; k < start.Length; k++)
            Assert.That(a.Point[k], Is.EqualTo(b.Point[k]).Within(1e-12 * (1 + Math.Abs(b.Point[k]))), $"{k}");
        Assert.That(VectorMath.Norm(b.Point), Is.GreaterThan(0.1), "the iterates moved");
    }

    [TestCase(PrivateUpdate.Momentum)]
    [TestCase(PrivateUpdate.Adam)]
    public void Solve_PrivateMomentumAndAdam_BitwiseAtAnyRankCountAndAcrossAResume(PrivateUpdate update)
    {
        string path = DataFile(sparse: false);
        var settings = Private with { Privacy = Private.Privacy! with { Update = update }, Momentum = 0.7 };
        var (whole, steps) = Train(new SingleProcessCommunicator(), path, settings);
        foreach (var (model, _) in ThreadedCommunicator.Run(3, comm => Train(comm, path, settings)))
            Assert.That(model, Is.EqualTo(whole), "3 ranks");
        Assert.That(whole, Is.Not.EqualTo(Train(new SingleProcessCommunicator(), path, Private).Model),
            "another rule, another model");
        var states = new SolverState[3];
        ThreadedCommunicator.Run(3, comm => Train(comm, path, settings with { Epochs = 3 }, new SolverHooks(
            Checkpoint: state => states[comm.Rank] = state with
            {
                Point = state.Point.ToArray(),
                Auxiliary = state.Auxiliary?.Select(v => v.ToArray()).ToArray(),
            },
            CheckpointEvery: 2)));
        Assert.That(states[0].Auxiliary, Has.Length.EqualTo(update == PrivateUpdate.Adam ? 2 : 1));
        foreach (var (model, resumedSteps) in ThreadedCommunicator.Run(2, comm => Train(comm, path, settings,
            new SolverHooks(ResumeFrom: states[0]))))
        {
            Assert.That(model, Is.EqualTo(whole), "resumed at 2 ranks");
            Assert.That(resumedSteps, Is.EqualTo(steps));
        }
    }

    [Test]
    public void PrivacyPlan_TargetEpsilon_CalibratedNoiseSpendsAtMostIt()
    {
        var plan = PrivacyPlan.For(new PrivacySettings(1.0, 1e-5, null, 2.0), rows: 60_000, batchSize: 256,
            epochs: 15);
        Assert.That(plan.StepsPerEpoch, Is.EqualTo(235));
        Assert.That(plan.SamplingRate, Is.EqualTo(256.0 / 60_000));
        Assert.That(plan.After(235 * 15).Epsilon, Is.LessThanOrEqualTo(2.0).And.GreaterThan(1.99));
        Assert.That(plan.After(235 * 16).Epsilon, Is.GreaterThan(2.0), "a 16th epoch spends more than planned");
    }

    public static IEnumerable<TestCaseData> Refusals()
    {
        yield return new TestCaseData(Private with
        {
            Solver = SolverCatalog.Get(SolverKind.Lbfgs),
            LearningRate = null,
        }, "needs --solver sgd").SetName("lbfgs");
        yield return new TestCaseData(Private with { Solver = SolverCatalog.Get(SolverKind.Adam) },
            "needs --solver sgd").SetName("adam (full batch)");
        yield return new TestCaseData(Private with { LearningRate = null }, "needs --learning-rate")
            .SetName("auto rate");
        yield return new TestCaseData(Private with { Seed = 4 }, "must be secret").SetName("seed");
        yield return new TestCaseData(Private with { Standardize = true }, "--standardize").SetName("standardize");
        yield return new TestCaseData(Private with { ValidationFraction = 0.2 }, "early stopping on held-out")
            .SetName("validation");
        yield return new TestCaseData(Private with { ClassWeights = ClassWeights.BalancedClasses },
            "private class counts").SetName("balanced");
        yield return new TestCaseData(Private with { Privacy = Private.Privacy! with { TargetEpsilon = 1 } },
            "not both").SetName("noise and epsilon");
        yield return new TestCaseData(Private with { Privacy = Private.Privacy! with { Delta = 1 } },
            "--dp-delta").SetName("delta 1");
        yield return new TestCaseData(Private with
        {
            L1 = 0.01,
            Privacy = Private.Privacy! with
            {
                Update = PrivateUpdate.Adam,
            },
        }, "--l1 needs --dp-optimizer sgd").SetName("l1 with adam");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Validate_WhatWouldFalsifyTheGuarantee_Refused(TrainingSettings settings, string message)
    {
        var error = Assert.Throws<UsageException>(settings.Validate)!;
        Assert.That(error.Message, Does.Contain(message));
    }

    [Test]
    public void Validate_GivenClassWeights_Accepted() =>
        Assert.DoesNotThrow((Private with { ClassWeights = new ClassWeights(false, 1, 3) }).Validate);
}
