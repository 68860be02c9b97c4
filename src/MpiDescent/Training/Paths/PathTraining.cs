using System.Diagnostics;
using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Model;
using MpiDescent.Numerics;
using MpiDescent.Training.Metrics;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Paths;

/// <summary>
/// A regularization path and k-fold cross-validation over one loaded problem: every (fold, penalty) model is a
/// <see cref="TrainingProblem.Variant"/> of it (the same rows, standardization and seed; its own penalty and, with a
/// fold, row weights that hold the fold out), so each is the model a run with its settings would train alone. The
/// batchable solvers train all of them in lockstep, sharing every pass and reduction (<see cref="LockstepSolvers"/>);
/// the others train them in turn. Cross-validation then evaluates each fold's models on the fold (one shared pass, and
/// one more per model for the accuracy of classifiers), scores each penalty by the mean and spread of its validation
/// loss over the folds, and chooses the penalty with the least mean, or the strongest within one standard error of it.
/// </summary>
public static class PathTraining
{
    /// <summary>Trains every model of the settings' path and folds (collective).</summary>
    /// <param name="problem">The loaded problem; its settings give the path, the folds and the solver.</param>
    /// <param name="hooks">The agreed stop requests (checkpoints and progress lines are not taken).</param>
    /// <param name="log">Where it says how the models are trained.</param>
    public static PathOutcome Run(TrainingProblem problem, SolverHooks hooks, TrainingLog log)
    {
        long start = Stopwatch.GetTimestamp();
        var s = problem.Settings;
        var comm = problem.Communicator;
        int strengths = s.Path?.Length ?? 1, folds = s.Folds;
        var objectiveSettings = problem.Objective.Settings;
        var localFolds = folds > 0
            ? ValidationSplit.Folds(problem.Shard, RowWeights.ClassesOf(objectiveSettings), folds, comm) : null;
        var weights = localFolds is null ? [null]
            : Enumerable.Range(0, folds).Select(f => (RowWeights?)RowWeights.ForFold(problem.Shard, objectiveSettings,
                localFolds, f, comm)).ToArray();
        var variants = new List<(int Penalty, int Fold, TrainingProblem Problem)>();
        for (int f = 0; f < weights.Length; f++)
            for (int k = 0; k < strengths; k++)
            {
                var (l1, l2) = s.Path?.Penalties(k, s.L1, s.L2) ?? (s.L1, s.L2);
                variants.Add((k, localFolds is null ? -1 : f, problem.Variant(l1, l2, weights[f])));
            }
        bool lockstep = s.Solver.Batchable;
        log.Info($"{variants.Count} models ({strengths} penalt{(strengths == 1 ? "y" : "ies")}"
            + (folds > 0 ? $" x {folds} folds" : "") + ") " + (lockstep
                ? "trained in lockstep: every pass over the rows and every reduction serves all that still run"
                : $"trained in turn: --solver {s.Solver.Name} does not share passes (gd, lbfgs, momentum, nesterov and "
                  + "adam do)"));
        var batch = new ObjectiveBatch(variants.Select(v => v.Problem.Objective).ToArray(), comm);
        var quiet = hooks with { Checkpoint = null, Progress = null, ResumeFrom = null };
        var shared = (Passes: 0L, Compute: 0.0, Communication: 0.0);
        OptimizationResult[] Lockstep(IReadOnlyList<int> members, IReadOnlyList<double[]>? initial,
            IReadOnlyList<double>? referenceNorms, bool startOnly = false)
        {
            var group = members.Count == variants.Count ? batch
                : new ObjectiveBatch(members.Select(i => variants[i].Problem.Objective).ToArray(), comm);
            long passesBefore = group.Passes;
            (double compute, double communication) before = (group.ComputeSeconds, group.CommunicationSeconds);
            var results = LockstepSolvers.Run(group, members.Select(i => (Func<IObjective, IIterativeMethod>)(o =>
                    variants[i].Problem.CreateMethod(o))).ToArray(),
                members.Select(i => startOnly ? variants[i].Problem.Termination with { MaxIterations = 0 }
                    : variants[i].Problem.Termination).ToArray(), quiet, initial, referenceNorms);
            shared = (shared.Passes + group.Passes - passesBefore,
                shared.Compute + group.ComputeSeconds - before.compute,
                shared.Communication + group.CommunicationSeconds - before.communication);
            return results;
        }
        var results = !lockstep ? variants.Select(v => v.Problem.Solve(quiet)).ToArray()
            : s.WarmStart ? WarmStarted(variants.Select(v => v.Penalty).ToArray(), strengths, Lockstep,
                hooks.Control)
            : Lockstep(Enumerable.Range(0, variants.Count).ToArray(), null, null);
        // A stop agreed during training: the models are unfinished, so they are not scored.
        if (hooks.Control?.StopAgreed == true) localFolds = null;
        // The folds' final evaluations are shared passes too.
        var (passesBefore, computeBefore, communicationBefore) =
            (batch.Passes, batch.ComputeSeconds, batch.CommunicationSeconds);
        var (losses, accuracies) = localFolds is null
            ? (Enumerable.Repeat(double.NaN, results.Length).ToArray(),
                Enumerable.Repeat(double.NaN, results.Length).ToArray())
            : Validate(batch, variants.Select(v => v.Fold).ToArray(), results, localFolds, problem, comm);
        shared = (shared.Passes + batch.Passes - passesBefore, shared.Compute + batch.ComputeSeconds - computeBefore,
            shared.Communication + batch.CommunicationSeconds - communicationBefore);
        var models = variants.Select((v, i) => new PathModel(v.Penalty, v.Fold, v.Problem.Settings.L1,
            v.Problem.Settings.L2, v.Problem.LearningRate, results[i], losses[i], accuracies[i])).ToArray();
        var scores = localFolds is null ? [] : Score(models, s, strengths, folds);
        var (best, chosen) = localFolds is null ? (-1, -1) : Choose(scores, s.OneStandardError);
        return new PathOutcome(models, scores, best, chosen, lockstep, shared.Passes,
            Stopwatch.GetElapsedTime(start).TotalSeconds, localFolds, shared.Compute, shared.Communication);
    }

    /// <summary>Warm starts (<c>--warm-start</c>): the penalties one after the other, strongest first, each
    /// penalty's models (one per fold) in lockstep, each starting from its fold's model of the penalty before
    /// (θ = 0 for the first, and after a model without a finite point), and stopping at the gradient norm its run
    /// from 0 would stop at (its relative tolerance measured against its stationarity at 0, found for all models in
    /// one shared pass first). A stop agreed between two penalties leaves the rest untrained.</summary>
    private static OptimizationResult[] WarmStarted(int[] penaltyOf, int strengths,
        Func<IReadOnlyList<int>, IReadOnlyList<double[]>?, IReadOnlyList<double>?, bool, OptimizationResult[]> lockstep,
        RunControl? control)
    {
        var results = new OptimizationResult[penaltyOf.Length];
        var atZero = lockstep(Enumerable.Range(0, penaltyOf.Length).ToArray(), null, null, true);
        OptimizationResult[]? previous = null;
        for (int k = 0; k < strengths; k++)
        {
            var members = Enumerable.Range(0, penaltyOf.Length).Where(i => penaltyOf[i] == k).ToArray();
            if (control?.StopAgreed == true)
            {
                foreach (int i in members)
                    results[i] = new OptimizationResult([], double.NaN, double.NaN, 0, ExitCondition.Interrupted,
                        "stop requested by a signal before this penalty's models started", []);
                continue;
            }
            var done = lockstep(members, previous?.Select(r => r.Point).ToArray(),
                members.Select(i => atZero[i].History.Count > 0 ? atZero[i].History[0].GradientNorm : double.NaN)
                    .ToArray(), false);
            for (int q = 0; q < members.Length; q++) results[members[q]] = done[q];
            previous = done;
        }
        return results;
    }

    /// <summary>Each model's loss on its held-out fold at its result's point (one shared pass for all), and for
    /// classifiers the fraction of the fold's rows it classifies right (collective).</summary>
    private static (double[] Losses, double[] Accuracies) Validate(ObjectiveBatch batch, int[] foldOf,
        OptimizationResult[] results, int[] localFolds, TrainingProblem problem, ICommunicator comm)
    {
        int count = results.Length;
        var losses = Enumerable.Repeat(double.NaN, count).ToArray();
        var accuracies = Enumerable.Repeat(double.NaN, count).ToArray();
        // A model without a finite point (its first evaluation overflowed on every rank alike) has no score.
        var finite = Enumerable.Range(0, count).Where(i => results[i].Point.Length > 0).ToArray();
        var values = new double[finite.Length];
        var failures = new Exception?[finite.Length];
        batch.Evaluate(finite, finite.Select(i => results[i].Point).ToArray(),
            finite.Select(i => new double[results[i].Point.Length]).ToArray(), values, failures);
        for (int q = 0; q < finite.Length; q++)
            if (failures[q] is null) losses[finite[q]] = batch.Members[finite[q]].ValidationLoss;
        var loss = problem.Settings.Loss;
        if (!loss.IsBinary() && !loss.IsMultiClass()) return (losses, accuracies);
        // Right and all classifications of each model's fold, summed over ranks as integers.
        var counts = new long[2 * count];
        var shard = problem.Shard;
        foreach (int i in finite)
        {
            // The shard's binary labels are −1/+1 by now (LabelCheck), softmax's the class indices.
            var model = new LinearModel(loss, problem.Layout, results[i].Point, ClassLabels: [-1, 1]);
            var scores = ModelScores.Compute(model, shard);
            int outputs = problem.Layout.Outputs;
            for (int row = 0; row < shard.Rows; row++)
            {
                if (localFolds[row] != foldOf[i]) continue;
                counts[2 * i + 1]++;
                if (model.Predict(scores.AsSpan(row * outputs, outputs)) == shard.Labels[row]) counts[2 * i]++;
            }
        }
        comm.AllreduceSum<long>(counts);
        foreach (int i in finite)
            if (counts[2 * i + 1] > 0) accuracies[i] = counts[2 * i] / (double)counts[2 * i + 1];
        return (losses, accuracies);
    }

    /// <summary>Each penalty's validation losses and accuracies over the folds.</summary>
    private static PenaltyScore[] Score(PathModel[] models, TrainingSettings s, int strengths, int folds) =>
        Enumerable.Range(0, strengths).Select(k =>
        {
            var of = models.Where(m => m.Penalty == k).OrderBy(m => m.Fold).ToArray();
            return new PenaltyScore(k, s.Path?.Strength(k) ?? (s.L2 > 0 ? s.L2 : s.L1), of[0].L1, of[0].L2,
                of.Select(m => m.ValidationLoss).ToArray(), of.Select(m => m.ValidationAccuracy).ToArray());
        }).ToArray();

    /// <summary>The penalty of least mean validation loss (the strongest of equals), and the chosen one: that, or the
    /// strongest whose mean is within one standard error of it.</summary>
    /// <exception cref="NonFiniteValueException">No penalty has a finite validation loss in every fold.</exception>
    public static (int Best, int Chosen) Choose(IReadOnlyList<PenaltyScore> scores, bool oneStandardError)
    {
        int best = -1;
        for (int k = 0; k < scores.Count; k++)
            if (double.IsFinite(scores[k].MeanLoss) && (best < 0 || scores[k].MeanLoss < scores[best].MeanLoss))
                best = k;
        if (best < 0)
            throw new NonFiniteValueException("no penalty of the cross-validation has a finite validation loss in " +
                "every fold (every model diverged or overflowed)");
        if (!oneStandardError) return (best, best);
        double bound = scores[best].MeanLoss + (double.IsFinite(scores[best].StandardError)
            ? scores[best].StandardError : 0);
        for (int k = 0; k < best; k++)
            if (scores[k].MeanLoss <= bound) return (best, k);
        return (best, best);
    }

    /// <summary>A strength for messages.</summary>
    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
