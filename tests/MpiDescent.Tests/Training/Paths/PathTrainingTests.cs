using System.Text.Json;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Training.Paths;

namespace MpiDescent.Tests.Training.Paths;

/// <summary>Regularization paths and k-fold cross-validation (issue 20): every model trained in lockstep is bit for bit
/// the model trained alone with its penalty (and fold), for every batchable solver on dense and sparse rows; the
/// models are the same bits at 1, 2 and 3 ranks; a model that diverges or converges early leaves the others alone;
/// the validation losses are those of separately trained fold models, and agree with scikit-learn's.</summary>
public class PathTrainingTests
{
    private static string _dir = "";

    [OneTimeSetUp]
    public void WriteFiles() => _dir = TestData.TempDirectory();

    private static string DataFile(bool sparse, int rows = 120, int features = 9)
    {
        var path = Path.Combine(_dir, $"path{rows}x{features}{(sparse ? "s" : "d")}.bin");
        if (File.Exists(path)) return path;
        var (x, y) = Shards.SparseSynthetic(rows, features, 0.4, seed: 11, LossKind.Logistic);
        if (!sparse) return TestData.WriteDataFile(_dir, x, y, features, Path.GetFileName(path));
        return TestData.WriteSparseDataFile(_dir, x, y, features, Path.GetFileName(path));
    }

    private static TrainingProblem Build(ICommunicator comm, DataFile file, TrainingSettings settings) =>
        TrainingProblem.Build(file, settings, comm, TrainingLog.Silent(comm, TextWriter.Null));

    private static PathOutcome Run(ICommunicator comm, string path, TrainingSettings settings)
    {
        using var file = MpiDescent.Data.DataFile.Open(path);
        return PathTraining.Run(Build(comm, file, settings), SolverHooks.None,
            TrainingLog.Silent(comm, TextWriter.Null));
    }

    /// <summary>θ and the loss of a run alone with <paramref name="settings"/> (collective).</summary>
    private static double[] TrainAlone(ICommunicator comm, string path, TrainingSettings settings)
    {
        using var file = MpiDescent.Data.DataFile.Open(path);
        var result = Build(comm, file, settings).Solve(SolverHooks.None);
        return result.Point.Append(result.Value).ToArray();
    }

    private static double[] Of(PathModel model) => model.Result.Point.Append(model.Result.Value).ToArray();

    public static IEnumerable<TestCaseData> Solvers()
    {
        yield return new TestCaseData(SolverKind.GradientDescent, PenaltyKind.L2, false).SetName("gd, l2 path");
        yield return new TestCaseData(SolverKind.GradientDescent, PenaltyKind.L1, true)
            .SetName("gd, l1 path, line search");
        yield return new TestCaseData(SolverKind.Lbfgs, PenaltyKind.L2, false).SetName("lbfgs, l2 path");
        yield return new TestCaseData(SolverKind.Lbfgs, PenaltyKind.ElasticNet, false).SetName("owl-qn, elastic net");
        yield return new TestCaseData(SolverKind.Momentum, PenaltyKind.L2, false).SetName("momentum");
        yield return new TestCaseData(SolverKind.Nesterov, PenaltyKind.L2, false).SetName("nesterov");
        yield return new TestCaseData(SolverKind.Adam, PenaltyKind.L2, false).SetName("adam");
    }

    private static TrainingSettings PathSettings(SolverKind kind, PenaltyKind penalty, bool lineSearch) => new()
    {
        Loss = LossKind.Logistic,
        Solver = SolverCatalog.Get(kind),
        LineSearch = lineSearch,
        L2 = penalty == PenaltyKind.L1 ? 0.01 : 0,
        // A tolerance the strong penalties reach early: models leave the batch at different iterations.
        MaxIterations = 60,
        Tolerance = 1e-4,
        Path = new PenaltyPath(penalty, 0.3, 0.001, 4, Alpha: penalty == PenaltyKind.ElasticNet ? 0.5 : 0),
    };

    [TestCaseSource(nameof(Solvers))]
    public void Run_PathOfABatchableSolver_EachModelBitwiseTheModelTrainedAlone(SolverKind kind, PenaltyKind penalty,
        bool lineSearch)
    {
        foreach (bool sparse in new[] { false, true })
        {
            string path = DataFile(sparse);
            var settings = PathSettings(kind, penalty, lineSearch);
            var comm = new SingleProcessCommunicator();
            var outcome = Run(comm, path, settings);
            Assert.That(outcome.Lockstep, Is.True);
            Assert.That(outcome.Models, Has.Count.EqualTo(4));
            var iterations = outcome.Models.Select(m => m.Result.Iterations).ToArray();
            foreach (var model in outcome.Models)
            {
                var (l1, l2) = settings.Path!.Penalties(model.Penalty, settings.L1, settings.L2);
                var alone = TrainAlone(comm, path, settings with { Path = null, L1 = l1, L2 = l2 });
                Assert.That(Of(model), Is.EqualTo(alone), $"sparse {sparse}, penalty {model.Penalty}");
            }
            // Adam's automatic rate takes one pass of each model's own (its gradient at 0), outside the batch.
            Assert.That(outcome.SharedPasses, Is.EqualTo(outcome.Models.Max(m => m.Result.DataPasses)
                - (kind == SolverKind.Adam ? 1 : 0)), "the shared passes are the longest model's, not the sum");
            TestContext.Out.WriteLine($"{kind} {penalty} sparse {sparse}: iterations {string.Join(",", iterations)}");
        }
    }

    [Test]
    public void Run_PathAndFoldsAt1To3Ranks_BitwiseTheSameModels([Values] bool sparse)
    {
        string path = DataFile(sparse, rows: 150);
        var settings = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with { Folds = 3 };
        var single = Run(new SingleProcessCommunicator(), path, settings);
        Assert.That(single.Models, Has.Count.EqualTo(12));
        for (int ranks = 1; ranks <= 3; ranks++)
            foreach (var outcome in ThreadedCommunicator.Run(ranks, comm => Run(comm, path, settings)))
            {
                for (int i = 0; i < single.Models.Count; i++)
                {
                    Assert.That(Of(outcome.Models[i]), Is.EqualTo(Of(single.Models[i])), $"{ranks} ranks, model {i}");
                    Assert.That(outcome.Models[i].ValidationLoss, Is.EqualTo(single.Models[i].ValidationLoss));
                    Assert.That(outcome.Models[i].ValidationAccuracy,
                        Is.EqualTo(single.Models[i].ValidationAccuracy));
                }
                Assert.That((outcome.Best, outcome.Chosen), Is.EqualTo((single.Best, single.Chosen)));
            }
    }

    [Test]
    public void Run_CrossValidation_EachFoldModelAndValidationLossThoseOfASeparatelyTrainedFoldModel()
    {
        string path = DataFile(false, rows: 150);
        var settings = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with { Folds = 4 };
        var comm = new SingleProcessCommunicator();
        using var file = MpiDescent.Data.DataFile.Open(path);
        var problem = Build(comm, file, settings);
        var outcome = PathTraining.Run(problem, SolverHooks.None, TrainingLog.Silent(comm, TextWriter.Null));
        Assert.That(outcome.LocalFolds, Is.Not.Null);
        foreach (var model in outcome.Models)
        {
            // The fold model built here by hand: its own objective over the fold's training rows, L-BFGS alone.
            var weights = RowWeights.ForFold(problem.Shard, problem.Objective.Settings, outcome.LocalFolds!,
                model.Fold, comm);
            Assert.That(weights.ValidationRows, Is.EqualTo(outcome.LocalFolds!.Count(f => f == model.Fold)));
            var objective = new LinearObjective(problem.Shard, problem.Partition, comm,
                problem.Objective.Settings with { L2 = model.L2 }, weights: weights);
            var alone = SolverLoop.Minimize(new Lbfgs(objective), objective, problem.Termination,
                new double[objective.Dimension]);
            Assert.That(model.Result.Point, Is.EqualTo(alone.Point), $"fold {model.Fold}, penalty {model.Penalty}");
            objective.Evaluate(alone.Point, new double[objective.Dimension]);
            Assert.That(model.ValidationLoss, Is.EqualTo(objective.ValidationLoss));
            var scores = ModelScores.Compute(new MpiDescent.Model.LinearModel(LossKind.Logistic, problem.Layout,
                alone.Point), problem.Shard);
            var held = Enumerable.Range(0, problem.Shard.Rows).Where(i => outcome.LocalFolds![i] == model.Fold);
            double accuracy = held.Average(i => (scores[i] > 0) == (problem.Shard.Labels[i] > 0) ? 1.0 : 0.0);
            Assert.That(model.ValidationAccuracy, Is.EqualTo(accuracy).Within(1e-15));
            // The ROC AUC by its definition: the fraction of (positive, negative) pairs of the fold ordered right,
            // ties half (the model's comes from a 4096-bin histogram: pairs within one bin count half).
            var positives = held.Where(i => problem.Shard.Labels[i] > 0).Select(i => scores[i]).ToArray();
            var negatives = held.Where(i => problem.Shard.Labels[i] <= 0).Select(i => scores[i]).ToArray();
            double ordered = positives.Sum(p => negatives.Sum(n => p > n ? 1.0 : p == n ? 0.5 : 0.0));
            double pairs = positives.Length * (double)negatives.Length;
            Assert.That(model.ValidationAuc, Is.EqualTo(ordered / pairs).Within(2 / pairs),
                $"fold {model.Fold}, penalty {model.Penalty}");
        }
        for (int k = 0; k < 4; k++)
        {
            var losses = outcome.Models.Where(m => m.Penalty == k).OrderBy(m => m.Fold)
                .Select(m => m.ValidationLoss).ToArray();
            Assert.That(outcome.Scores[k].FoldLosses, Is.EqualTo(losses));
            Assert.That(outcome.Scores[k].MeanAuc, Is.EqualTo(outcome.Models.Where(m => m.Penalty == k)
                .Average(m => m.ValidationAuc)).Within(1e-15));
            Assert.That(outcome.Scores[k].MeanLoss, Is.EqualTo(losses.Average()).Within(1e-15));
        }
    }

    /// <summary>tests/data/peers/cv_references.json's case: scikit-learn's fold losses at the same folds (computed
    /// there from the documented rule) and the penalty its LogisticRegressionCV or RidgeCV chose.</summary>
    private static JsonElement Reference(string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "peers", "cv_references.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("cases").EnumerateArray()
            .First(c => c.GetProperty("name").GetString() == name).Clone();
    }

    [TestCase("logistic")]
    [TestCase("ridge")]
    public void Run_FiveFoldCrossValidation_FoldsLossesAndChoiceOfScikitLearn(string name)
    {
        var reference = Reference(name);
        var lambdas = reference.GetProperty("lambdas").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expected = reference.GetProperty("fold_losses").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        var folds = reference.GetProperty("fold_of_row").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (x, y, m, d) = name == "logistic" ? TestData.LoadStandardizedBreastCancer() : StandardizedDiabetes();
        string path = TestData.WriteDataFile(_dir, x, y, d, $"cv-{name}.bin");
        var settings = new TrainingSettings
        {
            Loss = name == "logistic" ? LossKind.Logistic : LossKind.Squared,
            Solver = SolverCatalog.Get(SolverKind.Lbfgs),
            // As tight as every model converges: below about 1e-9 the line search meets rounding.
            Tolerance = 1e-8,
            MaxIterations = 5000,
            Path = new PenaltyPath(PenaltyKind.L2, lambdas[0], lambdas[^1], lambdas.Length),
            Folds = reference.GetProperty("folds").GetInt32(),
        };
        Assert.That(settings.Path.Strengths, Is.EqualTo(lambdas).Within(1e-15).Percent);
        foreach (var outcome in ThreadedCommunicator.Run(2, comm => Run(comm, path, settings)))
        {
            var all = ThreadedCommunicator.Run(1, comm => outcome.LocalFolds!)[0];
            for (int k = 0; k < lambdas.Length; k++)
                for (int f = 0; f < settings.Folds; f++)
                    Assert.That(outcome.Scores[k].FoldLosses[f], Is.EqualTo(expected[k][f]).Within(1e-3).Percent,
                        $"lambda {lambdas[k]}, fold {f} (relative 1e-5)");
            int least = Array.IndexOf(expected.Select(r => r.Average()).ToArray(),
                expected.Select(r => r.Average()).Min());
            Assert.That(outcome.Best, Is.EqualTo(least));
            Assert.That(outcome.Chosen, Is.EqualTo(reference.GetProperty("peer_choice").GetInt32()),
                reference.GetProperty("peer").GetString());
            Assert.That(outcome.Models.Where(mm => !mm.Result.Converged).Select(mm => mm.Result.ExitReason),
                Is.Empty);
        }
        var single = Run(new SingleProcessCommunicator(), path, settings);
        Assert.That(single.LocalFolds, Is.EqualTo(folds), "the folds of the documented rule, as the script computes");
        Assert.That(m, Is.EqualTo(folds.Length));
    }

    /// <summary>The diabetes features standardized with the population deviation, as the script does.</summary>
    private static (double[] X, double[] Y, int Rows, int D) StandardizedDiabetes()
    {
        var (x, y, m, d) = TestData.LoadDiabetes();
        return (TestData.Standardized(x, m, d), y, m, d);
    }

    [Test]
    public void Run_MembersDivergeAtDifferentPenalties_TheOthersBitwiseTheirModelsAlone()
    {
        // A fixed step of 1.9/L_data: stable for the weak penalties, beyond 2/(L_data + l2) for the strongest.
        string path = DataFile(false);
        var comm = new SingleProcessCommunicator();
        double largest;
        using (var file = MpiDescent.Data.DataFile.Open(path))
        {
            var probe = Build(comm, file, new TrainingSettings { Loss = LossKind.Logistic });
            largest = 1 / probe.LearningRate;
        }
        var settings = new TrainingSettings
        {
            Loss = LossKind.Logistic,
            LearningRate = 1.9 / largest,
            MaxIterations = 40,
            Tolerance = 0,
            Path = new PenaltyPath(PenaltyKind.L2, 20 * largest, 1e-3, 3),
        };
        var outcome = Run(comm, path, settings);
        Assert.That(outcome.Models[0].Result.Exit, Is.EqualTo(ExitCondition.Diverged));
        foreach (var model in outcome.Models.Skip(1))
        {
            Assert.That(model.Result.Exit, Is.Not.EqualTo(ExitCondition.Diverged));
            var alone = TrainAlone(comm, path, settings with { Path = null, L2 = model.L2 });
            Assert.That(Of(model), Is.EqualTo(alone), $"penalty {model.Penalty}");
        }
    }

    [Test]
    public void Run_WarmStartedPath_ConvergedAsItsColdRunAndTheSameBitsAt1To3Ranks([Values] bool sparse)
    {
        string path = DataFile(sparse, rows: 150);
        var cold = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with
        {
            Folds = 3,
            Tolerance = 1e-7,
            MaxIterations = 500
        };
        var warm = cold with { WarmStart = true };
        var coldOutcome = Run(new SingleProcessCommunicator(), path, cold);
        var single = Run(new SingleProcessCommunicator(), path, warm);
        for (int i = 0; i < single.Models.Count; i++)
        {
            var (w, c) = (single.Models[i].Result, coldOutcome.Models[i].Result);
            Assert.That(w.Converged && c.Converged, Is.True, $"model {i}: {w.ExitReason}");
            // The same stopping rule: the gradient norm below the tolerance times the norm at 0.
            Assert.That(w.GradientNorm, Is.LessThanOrEqualTo(cold.Tolerance * c.History[0].GradientNorm));
            if (single.Models[i].Penalty > 0)
                Assert.That(w.History[0].Loss, Is.LessThan(c.History[0].Loss), "started from the stronger penalty's");
            double gap = w.Point.Zip(c.Point, (a, b) => Math.Abs(a - b)).Max() / c.Point.Max(Math.Abs);
            Assert.That(gap, Is.LessThan(1e-4), $"model {i}: the same optimum to the tolerance");
        }
        for (int ranks = 2; ranks <= 3; ranks++)
            foreach (var outcome in ThreadedCommunicator.Run(ranks, comm => Run(comm, path, warm)))
                for (int i = 0; i < single.Models.Count; i++)
                    Assert.That(Of(outcome.Models[i]), Is.EqualTo(Of(single.Models[i])), $"{ranks} ranks, model {i}");
        TestContext.Out.WriteLine($"iterations cold {coldOutcome.Models.Sum(m => m.Result.Iterations)}, warm " +
            $"{single.Models.Sum(m => m.Result.Iterations)}");
    }

    public static IEnumerable<TestCaseData> Checkpointed()
    {
        var lbfgs = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with { Folds = 3, MaxIterations = 200 };
        yield return new TestCaseData(lbfgs).SetName("lbfgs, path and folds");
        yield return new TestCaseData(lbfgs with { WarmStart = true }).SetName("lbfgs, warm starts");
        yield return new TestCaseData(PathSettings(SolverKind.Momentum, PenaltyKind.L2, false) with { Folds = 2 })
            .SetName("momentum, path and folds");
        yield return new TestCaseData(new TrainingSettings
        {
            Loss = LossKind.Logistic,
            Solver = SolverCatalog.Get(SolverKind.Newton),
            Tolerance = 1e-10,
            Folds = 2,
            Path = new PenaltyPath(PenaltyKind.L2, 1, 0.001, 3),
        }).SetName("newton, in turn");
    }

    [TestCaseSource(nameof(Checkpointed))]
    public void Run_ResumedFromItsCheckpoints_BitwiseTheUninterruptedModelsAt1And3Ranks(TrainingSettings settings)
    {
        string path = DataFile(false, rows: 150);
        var comm = new SingleProcessCommunicator();
        var saved = new List<string>();
        PathOutcome whole;
        using (var file = MpiDescent.Data.DataFile.Open(path))
            whole = PathTraining.Run(Build(comm, file, settings), SolverHooks.None,
                TrainingLog.Silent(comm, TextWriter.Null), checkpoint: p =>
                    saved.Add(JsonSerializer.Serialize(p, MpiDescent.Output.Json.Options)), checkpointEvery: 2);
        Assert.That(saved, Has.Count.GreaterThan(2), "checkpoints written while the models trained");
        var first = JsonSerializer.Deserialize<PathProgress>(saved[0], MpiDescent.Output.Json.Options)!;
        Assert.That(first.Models.Any(m => m.State is not null), Is.True, "models saved in progress");
        foreach (string json in new[] { saved[0], saved[saved.Count / 2], saved[^1] })
        {
            foreach (int ranks in new[] { 1, 3 })
                foreach (var resumed in ThreadedCommunicator.Run(ranks, c =>
                         {
                             // Each rank reads the checkpoint itself (a solver continues in its state's arrays).
                             var progress = JsonSerializer.Deserialize<PathProgress>(json,
                                 MpiDescent.Output.Json.Options)!;
                             using var file = MpiDescent.Data.DataFile.Open(path);
                             return PathTraining.Run(Build(c, file, settings), SolverHooks.None,
                                 TrainingLog.Silent(c, TextWriter.Null), progress);
                         }))
                {
                    for (int i = 0; i < whole.Models.Count; i++)
                    {
                        var (a, b) = (resumed.Models[i], whole.Models[i]);
                        Assert.That(Of(a), Is.EqualTo(Of(b)), $"{ranks} ranks, model {i}");
                        Assert.That((a.Result.Iterations, a.Result.Exit, a.Result.GradientNorm, a.ValidationLoss),
                            Is.EqualTo((b.Result.Iterations, b.Result.Exit, b.Result.GradientNorm, b.ValidationLoss)));
                    }
                    Assert.That((resumed.Best, resumed.Chosen), Is.EqualTo((whole.Best, whole.Chosen)));
                }
        }
    }

    [Test]
    public void Run_TimeBasedCheckpointsAndAStop_EachModelSavedAtItsNextTopAndResumedBitwise()
    {
        string path = DataFile(false, rows: 150);
        var settings = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with { Folds = 3, MaxIterations = 200 };
        var comm = new SingleProcessCommunicator();
        PathOutcome whole;
        using (var file = MpiDescent.Data.DataFile.Open(path))
            whole = PathTraining.Run(Build(comm, file, settings), SolverHooks.None,
                TrainingLog.Silent(comm, TextWriter.Null));
        // Rank 0's clock asks for a checkpoint in every fourth reduction, and a signal arrives after the 25th.
        int reductions = 0;
        var control = new RunControl { CheckpointDue = () => ++reductions % 4 == 0 };
        var saved = new List<PathProgress>();
        PathOutcome stopped;
        using (var file = MpiDescent.Data.DataFile.Open(path))
        {
            var problem = TrainingProblem.Build(file, settings, comm, TrainingLog.Silent(comm, TextWriter.Null),
                control);
            stopped = PathTraining.Run(problem, SolverHooks.None with { Control = control },
                TrainingLog.Silent(comm, TextWriter.Null), checkpoint: p =>
                {
                    saved.Add(p);
                    if (saved.Count == 3) control.RequestStop();
                });
        }
        Assert.That(saved, Has.Count.EqualTo(3), "checkpoints until the stop");
        foreach (var progress in saved)
            Assert.That(progress.Models.All(m => m.State is not null || m.Result is not null), Is.True,
                "every model saved or finished");
        Assert.That(saved[1].Models.Zip(saved[0].Models).Any(p => p.First.State?.Iteration
            > p.Second.State?.Iteration), Is.True, "later checkpoints hold later states");
        var last = stopped.Progress;
        Assert.That(last.Models.Count(m => m.Result is null), Is.GreaterThan(0), "the stop left models unfinished");
        Assert.That(last.Models.Where(m => m.Result is null).All(m => m.State is not null), Is.True,
            "each stopped model saved its state at its top");
        var json = JsonSerializer.Serialize(last, MpiDescent.Output.Json.Options);
        foreach (var resumed in ThreadedCommunicator.Run(2, c =>
                 {
                     using var file = MpiDescent.Data.DataFile.Open(path);
                     return PathTraining.Run(Build(c, file, settings), SolverHooks.None,
                         TrainingLog.Silent(c, TextWriter.Null),
                         JsonSerializer.Deserialize<PathProgress>(json, MpiDescent.Output.Json.Options));
                 }))
            for (int i = 0; i < whole.Models.Count; i++)
                Assert.That(Of(resumed.Models[i]), Is.EqualTo(Of(whole.Models[i])), $"model {i}");
    }

    [Test]
    public void Run_ProgressLines_EachSharedPassWithTheModelsRunningAndFinished()
    {
        string path = DataFile(false);
        var settings = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false) with { Folds = 2 };
        var comm = new SingleProcessCommunicator();
        var output = new StringWriter();
        using var file = MpiDescent.Data.DataFile.Open(path);
        var log = new TrainingLog(comm, output, TextWriter.Null);
        var outcome = PathTraining.Run(Build(comm, file, settings), SolverHooks.None, log,
            progressEvery: TimeSpan.Zero);
        var lines = output.ToString().Split('\n').Where(l => l.StartsWith("models: ")).ToArray();
        // One line per shared pass of training (the folds' final evaluation is the last shared pass).
        Assert.That(lines, Has.Length.EqualTo(outcome.SharedPasses - 1));
        Assert.That(lines[0], Does.StartWith("models: 8 running, 0 of 8 finished, after 1 shared pass in "));
        var last = System.Text.RegularExpressions.Regex.Match(lines[^1], "models: (\\d+) running, (\\d+) of 8");
        Assert.That(int.Parse(last.Groups[1].Value) + int.Parse(last.Groups[2].Value), Is.EqualTo(8));
        Assert.That(int.Parse(last.Groups[1].Value), Is.GreaterThan(0), "the last pass serves the models running");
        Assert.That(int.Parse(last.Groups[2].Value), Is.GreaterThan(0), "the strong penalties finished earlier");
    }

    [Test]
    public void Run_ProgressOfAnotherPath_Refused()
    {
        string path = DataFile(false);
        var settings = PathSettings(SolverKind.Lbfgs, PenaltyKind.L2, false);
        var comm = new SingleProcessCommunicator();
        using var file = MpiDescent.Data.DataFile.Open(path);
        var other = new PathProgress(PathProgress.Describe(settings with { Folds = 2 }),
            Enumerable.Repeat(PathModelProgress.NotStarted, 8).ToArray());
        Assert.That(() => PathTraining.Run(Build(comm, file, settings), SolverHooks.None,
            TrainingLog.Silent(comm, TextWriter.Null), other), Throws.ArgumentException.With.Message
            .Contains("2 folds").And.Message.Contains("0 folds"));
    }

    [Test]
    public void Run_SolverThatCannotShareItsPasses_TrainsTheModelsInTurnAsAlone()
    {
        string path = DataFile(false);
        var settings = new TrainingSettings
        {
            Loss = LossKind.Logistic,
            Solver = SolverCatalog.Get(SolverKind.Newton),
            Tolerance = 1e-8,
            Path = new PenaltyPath(PenaltyKind.L2, 1, 0.01, 3),
        };
        var comm = new SingleProcessCommunicator();
        var outcome = Run(comm, path, settings);
        Assert.That(outcome.Lockstep, Is.False);
        foreach (var model in outcome.Models)
            Assert.That(Of(model), Is.EqualTo(TrainAlone(comm, path, settings with { Path = null, L2 = model.L2 })));
    }

    [Test]
    public void Choose_OneStandardError_TheStrongestPenaltyWithinOneErrorOfTheLeast()
    {
        // Means 0.5, 0.31, 0.30, 0.40 over four folds; the least (index 2) has standard error 0.02.
        PenaltyScore Score(int k, double mean) => new(k, 1.0 / (k + 1), 0, 1.0 / (k + 1),
            [mean - 0.03, mean + 0.03, mean - 0.01, mean + 0.01], [1, 1, 1, 1], [1, 1, 1, 1]);
        var scores = new[] { Score(0, 0.5), Score(1, 0.31), Score(2, 0.30), Score(3, 0.40) };
        Assert.That(scores[2].StandardError, Is.EqualTo(Math.Sqrt((0.0009 * 2 + 0.0001 * 2) / 3) / 2).Within(1e-15));
        Assert.That(PathTraining.Choose(scores, oneStandardError: false), Is.EqualTo((2, 2)));
        Assert.That(PathTraining.Choose(scores, oneStandardError: true), Is.EqualTo((2, 1)));
        var far = new[] { Score(0, 0.5), Score(1, 0.36), Score(2, 0.30) };
        Assert.That(PathTraining.Choose(far, oneStandardError: true), Is.EqualTo((2, 2)));
        var none = new[] { new PenaltyScore(0, 1, 0, 1, [double.NaN, 0.2], [0, 1], [0.5, 0.5]) };
        Assert.Throws<NonFiniteValueException>(() => PathTraining.Choose(none, false));
    }

    [Test]
    public void Strength_LogSpacedFromTheStrongest_EndsExactlyAsGiven()
    {
        var path = new PenaltyPath(PenaltyKind.L2, 10, 1e-3, 5);
        Assert.That(path.Strengths, Is.EqualTo(new[] { 10, 1, 0.1, 0.01, 1e-3 }).Within(1e-15).Percent);
        Assert.That((path.Strength(0), path.Strength(4)), Is.EqualTo((10.0, 1e-3)));
        Assert.That(new PenaltyPath(PenaltyKind.ElasticNet, 2, 1, 2, Alpha: 0.25).Penalties(0, 9, 9),
            Is.EqualTo((0.5, 1.5)));
        Assert.That(new PenaltyPath(PenaltyKind.L1, 2, 1, 2).Penalties(1, 9, 0.5), Is.EqualTo((1.0, 0.5)));
        Assert.That(PenaltyPath.ParseRange("l2-path", "1e-4..1"), Is.EqualTo((1.0, 1e-4)));
        Assert.Throws<UsageException>(() => PenaltyPath.ParseRange("l2-path", "0..1"));
        Assert.Throws<UsageException>(() => PenaltyPath.ParseRange("l2-path", "1"));
    }
}
