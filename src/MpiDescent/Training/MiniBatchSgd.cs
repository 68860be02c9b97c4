using System.Diagnostics;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Distributed mini-batch SGD. Each epoch visits the rows in the order of <see cref="ShuffledRowOrder"/>, in global
/// batches of <c>batchSize</c> rows; each rank contributes the batch rows it holds and one reduction sums them, so the
/// batch, and hence the meaning of the learning rate, do not depend on the rank count. Batch size 1 is plain SGD.
/// The full loss and gradient norm are evaluated after each epoch for the history and the stopping test. A stop or a
/// time-based checkpoint can happen after any batch: the state (epoch, position, θ) continues the same sequence.
/// With an L1 penalty each step is followed by the proximal (soft-thresholding) step; the learning rate of epoch e
/// follows the <see cref="LearningRateSchedule"/>.
/// </summary>
public sealed class MiniBatchSgd(double learningRate, int batchSize, ulong seed, TerminationCriteria termination, L1Penalty? l1 = null,
    LearningRateSchedule? schedule = null)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IStochasticObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        var resume = hooks.ResumeFrom;
        long origin = hooks.Origin;
        double timeOffset = resume?.History.LastOrDefault()?.ElapsedSeconds ?? 0;
        var order = new ShuffledRowOrder(objective.Rows, seed);
        var point = resume?.Point.ToArray() ?? initial.ToArray();
        var epochStart = point.ToArray();
        var gradient = new double[point.Length];
        var batch = new long[batchSize];
        var history = new List<IterationRecord>(resume?.History ?? []);
        int epoch = resume?.Epoch ?? 0;
        long position = resume?.Position ?? 0;
        double loss = double.NaN, initialLoss, initialNorm;
        if (resume is null)
        {
            loss = objective.Evaluate(point, gradient);
            (initialLoss, initialNorm) = Composite(point, loss, gradient);
        }
        else (initialLoss, initialNorm) = (resume.InitialLoss, resume.InitialGradientNorm);

        SolverState State() => new(epoch, position, point.ToArray(), initialLoss, initialNorm, history.ToArray());
        OptimizationResult Interrupted() => new(point, history.LastOrDefault()?.Loss ?? double.NaN, double.NaN, epoch, ExitCondition.Interrupted,
            $"stop requested by a signal in epoch {epoch} at row position {position}", history);

        bool atBoundary = resume is null;
        double bestValidation = double.PositiveInfinity, bestLoss = double.NaN;
        int bestEpoch = -1;
        double[]? bestPoint = null;
        while (true)
        {
            if (atBoundary)
            {
                (loss, double norm) = Composite(point, loss, gradient);
                var record = new IterationRecord(epoch, loss, norm, timeOffset + Stopwatch.GetElapsedTime(origin).TotalSeconds, objective.Evaluations + epoch,
                    epoch == 0 ? double.NaN : (schedule ?? LearningRateSchedule.Constant).Rate(learningRate, epoch - 1), objective.ValidationLoss);
                history.Add(record);
                hooks.Progress?.Invoke(record);
                double previous = history.Count >= 2 ? history[^2].Loss : double.NaN;
                if (termination.Check(epoch, loss, initialLoss, norm, initialNorm, previous) is var (exit, reason))
                {
                    if (exit == ExitCondition.Diverged) return Diverged(objective, epochStart, epoch, reason, history);
                    return new OptimizationResult(point, loss, norm, epoch, exit, reason, history);
                }
                if (termination.Patience > 0 && !double.IsNaN(objective.ValidationLoss))
                {
                    if (objective.ValidationLoss < bestValidation) (bestValidation, bestEpoch, bestLoss, bestPoint) = (objective.ValidationLoss, epoch, loss, point.ToArray());
                    else if (epoch - bestEpoch >= termination.Patience)
                        return new OptimizationResult(bestPoint!, bestLoss, double.NaN, epoch, ExitCondition.EarlyStopped,
                            $"the validation loss has not improved for {termination.Patience} epochs; kept epoch {bestEpoch} (validation loss {bestValidation:G8})", history);
                }
                if (hooks.Control?.StopAgreed == true) { hooks.Checkpoint?.Invoke(State()); return Interrupted(); }
                if (hooks.CheckpointDueAfter(epoch)) hooks.Checkpoint!(State());
                point.CopyTo(epochStart, 0);
            }
            try
            {
                while (position < objective.Rows)
                {
                    int count = (int)Math.Min(batchSize, objective.Rows - position);
                    for (int k = 0; k < count; k++) batch[k] = order.RowAt(epoch, position + k);
                    objective.EvaluateSample(point, batch.AsSpan(0, count), gradient);
                    double rate = (schedule ?? LearningRateSchedule.Constant).Rate(learningRate, epoch);
                    DenseKernels.Axpy(-rate, gradient, point);
                    l1?.SoftThreshold(point, rate);
                    position += count;
                    if (hooks.Control?.StopAgreed == true) { hooks.Checkpoint?.Invoke(State()); return Interrupted(); }
                    if (hooks.Control?.CheckpointAgreed == true && hooks.Checkpoint is not null) hooks.Checkpoint(State());
                }
                epoch++;
                position = 0;
                loss = objective.Evaluate(point, gradient);
                atBoundary = true;
            }
            catch (NonFiniteValueException e) { return Diverged(objective, epochStart, epoch + 1, e.Message, history); }
        }
    }

    /// <summary>The reported loss and stationarity measure: f and ‖∇f‖, or with L1, f + λ₁‖w‖₁ and the pseudo-gradient's norm.</summary>
    private (double Loss, double Norm) Composite(double[] point, double smooth, double[] gradient)
    {
        if (l1 is null) return (smooth, VectorMath.Norm(gradient));
        var pseudo = new double[point.Length];
        l1.PseudoGradient(point, gradient, pseudo);
        return (smooth + l1.Value(point), VectorMath.Norm(pseudo));
    }

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int epoch, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), epoch, ExitCondition.Diverged,
            $"diverged in epoch {epoch} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate", history);
    }
}
