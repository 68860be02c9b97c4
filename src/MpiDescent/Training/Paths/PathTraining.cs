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
/// for classifiers each model's scores of its fold's rows alone, for accuracy and AUC), scores each penalty by the mean
/// and spread of its validation loss over the folds, and chooses the penalty with the least mean, or the strongest
/// within one standard error of it.
/// </summary>
public static class PathTraining
{
    /// <summary>Trains every model of the settings' path and folds (collective).</summary>
    /// <param name="problem">The loaded problem; its settings give the path, the folds and the solver.</param>
    /// <param name="hooks">The agreed stop and checkpoint requests (progress lines are not taken; the hooks' own
    /// checkpoint and resume are the single model's, not used here).</param>
    /// <param name="log">Where it says how the models are trained.</param>
    /// <param name="resumed">The progress a checkpoint kept (<see cref="PathProgress"/>; made for these settings):
    /// finished models are not trained again, saved ones continue from their states.</param>
    /// <param name="checkpoint">Writes a checkpoint of the models' progress (collective), or null: none. Called when
    /// every running model has saved since the last (at the top of every <paramref name="checkpointEvery"/>-th
    /// iteration, and at the first top after an agreed time-based request); after an agreed stop the caller writes
    /// the last from <see cref="PathOutcome.Progress"/>.</param>
    /// <param name="checkpointEvery">Iterations between each model's saves, or 0.</param>
    /// <param name="progressEvery">The least time between progress lines (rank 0's clock; lines only, no decision
    /// follows from it): how many models are running and how many have finished, after how many shared passes; null:
    /// <see cref="DefaultProgressInterval"/>.</param>
    public static PathOutcome Run(TrainingProblem problem, SolverHooks hooks, TrainingLog log,
        PathProgress? resumed = null, Action<PathProgress>? checkpoint = null, int checkpointEvery = 0,
        TimeSpan? progressEvery = null)
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
        string description = PathProgress.Describe(s);
        if (resumed is not null && (resumed.Models.Length != variants.Count || resumed.Description != description))
            throw new ArgumentException($"the progress of {resumed.Models.Length} models ({resumed.Description}) " +
                $"does not belong to this run's {variants.Count} ({description})", nameof(resumed));
        var slots = resumed?.Models.ToArray()
            ?? Enumerable.Repeat(PathModelProgress.NotStarted, variants.Count).ToArray();
        double[]? norms = resumed?.ReferenceNorms;
        PathProgress Progress() => new(description, slots.ToArray(), norms?.ToArray());
        bool lockstep = s.Solver.Batchable;
        int finishedBefore = slots.Count(m => m.Result is not null);
        int savedBefore = slots.Count(m => m.State is not null);
        log.Info($"{variants.Count} models ({strengths} penalt{(strengths == 1 ? "y" : "ies")}"
            + (folds > 0 ? $" x {folds} folds" : "") + ") " + (lockstep
                ? "trained in lockstep: every pass over the rows and every reduction serves all that still run"
                : $"trained in turn: --solver {s.Solver.Name} does not share passes (gd, lbfgs, momentum, nesterov and "
                  + "adam do)")
            + (resumed is null ? "" : $"; resuming: {finishedBefore} finished, {savedBefore} continue from their " +
                "saved states"));
        var batch = new ObjectiveBatch(variants.Select(v => v.Problem.Objective).ToArray(), comm);
        var quiet = hooks with { Checkpoint = null, Progress = null, ResumeFrom = null };
        var shared = (Passes: 0L, Compute: 0.0, Communication: 0.0);
        var interval = progressEvery ?? DefaultProgressInterval;
        var clock = Stopwatch.StartNew();
        var (rounds, lastLine) = (0L, TimeSpan.Zero);
        void AfterRound(int running, int finished)
        {
            rounds++;
            if (clock.Elapsed - lastLine < interval) return;
            lastLine = clock.Elapsed;
            log.Info(string.Create(CultureInfo.InvariantCulture, $"models: {running} running, {finished} of " +
                $"{variants.Count} finished, after {rounds} shared pass{(rounds == 1 ? "" : "es")} in " +
                $"{clock.Elapsed.TotalSeconds:F1} s"));
        }
        OptimizationResult[] Lockstep(IReadOnlyList<int> members, IReadOnlyList<double[]>? initial,
            IReadOnlyList<double>? referenceNorms, bool startOnly = false)
        {
            var group = members.Count == variants.Count ? batch
                : new ObjectiveBatch(members.Select(i => variants[i].Problem.Objective).ToArray(), comm);
            long passesBefore = group.Passes;
            (double compute, double communication) before = (group.ComputeSeconds, group.CommunicationSeconds);
            int finishedAtStart = startOnly ? 0 : slots.Count(m => m.Result is not null);
            var saving = checkpoint is null || startOnly ? null
                : new PathSaving(checkpointEvery, (q, state) => slots[members[q]] = PathModelProgress.Saved(state),
                    () => checkpoint(Progress()));
            var results = LockstepSolvers.Run(group, members.Select(i => (Func<IObjective, IIterativeMethod>)(o =>
                    variants[i].Problem.CreateMethod(o))).ToArray(),
                members.Select(i => startOnly ? variants[i].Problem.Termination with { MaxIterations = 0 }
                    : variants[i].Problem.Termination).ToArray(), quiet, initial, referenceNorms,
                startOnly ? null : members.Select(i => slots[i].State).ToArray(), saving,
                running => AfterRound(running, finishedAtStart + members.Count - running));
            shared = (shared.Passes + group.Passes - passesBefore,
                shared.Compute + group.ComputeSeconds - before.compute,
                shared.Communication + group.CommunicationSeconds - before.communication);
            if (!startOnly)
                for (int q = 0; q < members.Count; q++)
                    if (results[q].Exit != ExitCondition.Interrupted)
                        slots[members[q]] = PathModelProgress.Finished(results[q]);
            return results;
        }
        // The models not finished before, trained together; the finished ones' results as kept.
        OptimizationResult[] Remaining(IReadOnlyList<int> members, IReadOnlyList<double[]>? initial,
            IReadOnlyList<double>? referenceNorms)
        {
            var open = Enumerable.Range(0, members.Count).Where(q => slots[members[q]].Result is null).ToArray();
            var results = members.Select(i => slots[i].Result).ToArray();
            if (open.Length == 0) return results!;
            var trained = Lockstep(open.Select(q => members[q]).ToArray(),
                initial is null ? null : open.Select(q => initial[q]).ToArray(),
                referenceNorms is null ? null : open.Select(q => referenceNorms[q]).ToArray());
            for (int q = 0; q < open.Length; q++) results[open[q]] = trained[q];
            return results!;
        }
        var all = Enumerable.Range(0, variants.Count).ToArray();
        OptimizationResult[] results;
        if (!lockstep)
            results = InTurn(variants.Select(v => v.Problem).ToArray(), slots, quiet, checkpoint is null ? null
                : () => checkpoint(Progress()), checkpointEvery);
        else if (s.WarmStart)
        {
            norms ??= Lockstep(all, null, null, true)
                .Select(r => r.History.Count > 0 ? r.History[0].GradientNorm : double.NaN).ToArray();
            results = WarmStarted(variants.Select(v => v.Penalty).ToArray(), strengths, Remaining, norms,
                hooks.Control);
        }
        else results = Remaining(all, null, null);
        // A stop agreed during training: the models are unfinished, so they are not scored.
        if (hooks.Control?.StopAgreed == true) localFolds = null;
        // The folds' final evaluations are shared passes too.
        var (passesBefore, computeBefore, communicationBefore) =
            (batch.Passes, batch.ComputeSeconds, batch.CommunicationSeconds);
        var none = Enumerable.Repeat(double.NaN, results.Length).ToArray();
        var (losses, accuracies, aucs) = localFolds is null ? (none, none, none)
            : Validate(batch, variants.Select(v => v.Fold).ToArray(), results, localFolds, problem, comm);
        shared = (shared.Passes + batch.Passes - passesBefore, shared.Compute + batch.ComputeSeconds - computeBefore,
            shared.Communication + batch.CommunicationSeconds - communicationBefore);
        var models = variants.Select((v, i) => new PathModel(v.Penalty, v.Fold, v.Problem.Settings.L1,
            v.Problem.Settings.L2, v.Problem.LearningRate, results[i], losses[i], accuracies[i], aucs[i])).ToArray();
        var scores = localFolds is null ? [] : Score(models, s, strengths, folds);
        var (best, chosen) = localFolds is null ? (-1, -1) : Choose(scores, s.OneStandardError);
        return new PathOutcome(models, scores, best, chosen, lockstep, shared.Passes,
            Stopwatch.GetElapsedTime(start).TotalSeconds, localFolds, shared.Compute, shared.Communication)
        {
            Progress = Progress(),
        };
    }

    /// <summary>The solvers that do not share passes: each model in turn, a finished one's result as kept, a saved
    /// one from its state; each checkpoint it writes holds the running model's state. After an agreed stop the rest
    /// are not started.</summary>
    private static OptimizationResult[] InTurn(TrainingProblem[] problems, PathModelProgress[] slots,
        SolverHooks quiet, Action? write, int checkpointEvery)
    {
        var results = new OptimizationResult[problems.Length];
        for (int i = 0; i < problems.Length; i++)
        {
            if (slots[i].Result is { } kept)
            {
                results[i] = kept;
                continue;
            }
            if (quiet.Control?.StopAgreed == true)
            {
                results[i] = NotStarted();
                continue;
            }
            int index = i;
            var own = quiet with { ResumeFrom = slots[i].State };
            if (write is not null)
                own = own with
                {
                    CheckpointEvery = checkpointEvery,
                    Checkpoint = state =>
                    {
                        slots[index] = PathModelProgress.Saved(state);
                        if (quiet.Control?.StopAgreed != true) write();
                    },
                };
            results[i] = problems[i].Solve(own);
            if (results[i].Exit != ExitCondition.Interrupted) slots[i] = PathModelProgress.Finished(results[i]);
        }
        return results;
    }

    /// <summary>The result of a model left untrained by an agreed stop.</summary>
    private static OptimizationResult NotStarted() => new([], double.NaN, double.NaN, 0, ExitCondition.Interrupted,
        "stop requested by a signal before this model started", []);

    /// <summary>Warm starts (<c>--warm-start</c>): the penalties one after the other, strongest first, each
    /// penalty's models (one per fold) in lockstep, each starting from its fold's model of the penalty before
    /// (θ = 0 for the first, and after a model without a finite point), and stopping at the gradient norm its run
    /// from 0 would stop at (<paramref name="norms"/>: its stationarity at 0, found for all models in one shared pass
    /// first). A stop agreed between two penalties leaves the rest untrained.</summary>
    private static OptimizationResult[] WarmStarted(int[] penaltyOf, int strengths,
        Func<IReadOnlyList<int>, IReadOnlyList<double[]>?, IReadOnlyList<double>?, OptimizationResult[]> remaining,
        double[] norms, RunControl? control)
    {
        var results = new OptimizationResult[penaltyOf.Length];
        OptimizationResult[]? previous = null;
        for (int k = 0; k < strengths; k++)
        {
            var members = Enumerable.Range(0, penaltyOf.Length).Where(i => penaltyOf[i] == k).ToArray();
            if (control?.StopAgreed == true)
            {
                foreach (int i in members) results[i] = NotStarted();
                continue;
            }
            var done = remaining(members, previous?.Select(r => r.Point).ToArray(),
                members.Select(i => norms[i]).ToArray());
            for (int q = 0; q < members.Length; q++) results[members[q]] = done[q];
            previous = done;
        }
        return results;
    }

    /// <summary>Each model's loss on its held-out fold at its result's point (one shared pass for all), and for
    /// classifiers the fraction of the fold's rows it classifies right, and for binary ones the ROC AUC of its scores
    /// there (collective).</summary>
    private static (double[] Losses, double[] Accuracies, double[] Aucs) Validate(ObjectiveBatch batch, int[] foldOf,
        OptimizationResult[] results, int[] localFolds, TrainingProblem problem, ICommunicator comm)
    {
        int count = results.Length;
        var losses = Enumerable.Repeat(double.NaN, count).ToArray();
        var accuracies = Enumerable.Repeat(double.NaN, count).ToArray();
        var aucs = Enumerable.Repeat(double.NaN, count).ToArray();
        // A model without a finite point (its first evaluation overflowed on every rank alike) has no score.
        var finite = Enumerable.Range(0, count).Where(i => results[i].Point.Length > 0).ToArray();
        var values = new double[finite.Length];
        var failures = new Exception?[finite.Length];
        batch.Evaluate(finite, finite.Select(i => results[i].Point).ToArray(),
            finite.Select(i => new double[results[i].Point.Length]).ToArray(), values, failures);
        for (int q = 0; q < finite.Length; q++)
            if (failures[q] is null) losses[finite[q]] = batch.Members[finite[q]].ValidationLoss;
        var loss = problem.Settings.Loss;
        if (!loss.IsBinary() && !loss.IsMultiClass()) return (losses, accuracies, aucs);
        var shard = problem.Shard;
        int outputs = problem.Layout.Outputs;
        // Each model scores its own held-out fold's rows alone (a fold's rows and labels are listed once for all its
        // models).
        var heldOut = new Dictionary<int, (int[] Rows, double[] Labels)>();
        (int[] Rows, double[] Labels) Held(int fold)
        {
            if (heldOut.TryGetValue(fold, out var held)) return held;
            var rows = Enumerable.Range(0, shard.Rows).Where(row => localFolds[row] == fold).ToArray();
            return heldOut[fold] = (rows, rows.Select(row => shard.Labels[row]).ToArray());
        }
        if (loss.IsBinary())
        {
            // The shard's binary labels are −1/+1 by now (LabelCheck): a row is classified positive when z > 0.
            foreach (int i in finite)
            {
                var model = new LinearModel(loss, problem.Layout, results[i].Point, ClassLabels: [-1, 1]);
                var (held, labels) = Held(foldOf[i]);
                var metrics = ClassificationMetrics.Compute(ModelScores.Compute(model, shard, held), labels,
                    logistic: false, comm);
                (accuracies[i], aucs[i]) = (metrics.Accuracy, metrics.RocAuc);
            }
            return (losses, accuracies, aucs);
        }
        // Softmax: right and all classifications of each model's fold, summed over ranks as integers.
        var counts = new long[2 * count];
        foreach (int i in finite)
        {
            // Softmax's labels are the class indices by now.
            var model = new LinearModel(loss, problem.Layout, results[i].Point, ClassLabels: [-1, 1]);
            var (held, labels) = Held(foldOf[i]);
            var scores = ModelScores.Compute(model, shard, held);
            counts[2 * i + 1] = held.Length;
            for (int q = 0; q < held.Length; q++)
                if (model.Predict(scores.AsSpan(q * outputs, outputs)) == labels[q]) counts[2 * i]++;
        }
        comm.AllreduceSum<long>(counts);
        foreach (int i in finite)
            if (counts[2 * i + 1] > 0) accuracies[i] = counts[2 * i] / (double)counts[2 * i + 1];
        return (losses, accuracies, aucs);
    }

    /// <summary>Each penalty's validation losses, accuracies and AUCs over the folds.</summary>
    private static PenaltyScore[] Score(PathModel[] models, TrainingSettings s, int strengths, int folds) =>
        Enumerable.Range(0, strengths).Select(k =>
        {
            var of = models.Where(m => m.Penalty == k).OrderBy(m => m.Fold).ToArray();
            return new PenaltyScore(k, s.Path?.Strength(k) ?? (s.L2 > 0 ? s.L2 : s.L1), of[0].L1, of[0].L2,
                of.Select(m => m.ValidationLoss).ToArray(), of.Select(m => m.ValidationAccuracy).ToArray(),
                of.Select(m => m.ValidationAuc).ToArray());
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

    /// <summary>The least time between a path's progress lines by default.</summary>
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromSeconds(10);

    /// <summary>A strength for messages.</summary>
    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
