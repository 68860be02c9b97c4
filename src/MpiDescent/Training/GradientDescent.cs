using System.Diagnostics;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>Full-batch gradient descent with a fixed step: θ ← θ − η∇J(θ). Checkpoints hold θ before the update,
/// so a resumed run recomputes the same gradient and continues bit for bit.</summary>
public sealed class GradientDescent(double learningRate, TerminationCriteria termination)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        var resume = hooks.ResumeFrom;
        var clock = Stopwatch.StartNew();
        double timeOffset = resume?.History.LastOrDefault()?.ElapsedSeconds ?? 0;
        var point = resume?.Point.ToArray() ?? initial.ToArray();
        var previous = point.ToArray();
        var gradient = new double[point.Length];
        var history = new List<IterationRecord>(resume?.History ?? []);
        double loss = objective.Evaluate(point, gradient);
        double initialLoss = resume?.InitialLoss ?? loss, initialNorm = resume?.InitialGradientNorm ?? VectorMath.Norm(gradient);
        for (int iteration = resume?.Iteration ?? 0; ; iteration++)
        {
            double norm = VectorMath.Norm(gradient);
            if (resume is null || iteration > resume.Iteration)
            {
                var record = new IterationRecord(iteration, loss, norm, timeOffset + clock.Elapsed.TotalSeconds);
                history.Add(record);
                hooks.Progress?.Invoke(record);
            }
            if (termination.Check(iteration, loss, initialLoss, norm, initialNorm) is var (exit, reason))
            {
                if (exit == ExitCondition.Diverged) return Diverged(objective, previous, iteration, reason, history);
                return new OptimizationResult(point, loss, norm, iteration, exit, reason, history);
            }
            var state = (Func<SolverState>)(() => new SolverState(iteration, 0, point.ToArray(), initialLoss, initialNorm, history.ToArray()));
            if (hooks.Control?.StopAgreed == true)
            {
                hooks.Checkpoint?.Invoke(state());
                return new OptimizationResult(point, loss, norm, iteration, ExitCondition.Interrupted, $"stop requested by a signal at iteration {iteration}", history);
            }
            if (hooks.CheckpointDueAfter(iteration)) hooks.Checkpoint!(state());
            point.CopyTo(previous, 0);
            DenseKernels.Axpy(-learningRate, gradient, point);
            try { loss = objective.Evaluate(point, gradient); }
            catch (NonFiniteValueException e) { return Diverged(objective, previous, iteration + 1, e.Message, history); }
        }
    }

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int iteration, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), iteration, ExitCondition.Diverged,
            $"diverged at iteration {iteration} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate or the default 'auto'", history);
    }
}
