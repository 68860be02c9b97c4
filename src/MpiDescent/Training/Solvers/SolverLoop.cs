using System.Diagnostics;
using System.Globalization;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// The one loop every solver runs under. At the top of each iteration (or epoch) it records the history (not again for
/// the iteration a resume starts at), tests termination, tracks early stopping on the validation loss, honours an
/// agreed stop (checkpoint, then <see cref="ExitCondition.Interrupted"/>) and writes due checkpoints; then the method
/// makes one step. Divergence is handled here the same way for every method: when the loss becomes non-finite or
/// explodes, the result is the last iterate whose loss was finite, with <see cref="ExitCondition.Diverged"/> and a
/// message that says so and what to change. All decisions use reduced values, so every rank stops at the same
/// iteration. </summary>
public sealed class SolverLoop(IObjective objective, TerminationCriteria termination, SolverHooks? hooks = null)
{
    private readonly SolverHooks _hooks = hooks ?? SolverHooks.None;
    private readonly Model.ParameterSpace _space = objective.Space;
    private readonly List<IterationRecord> _history = new(hooks?.ResumeFrom?.History ?? []);
    private SolverInfo _solver = SolverCatalog.Get(SolverKind.GradientDescent);
    private double _initialNorm = double.NaN;
    private long _passes;

    /// <summary>Runs <paramref name="method"/> on <paramref name="objective"/> from <paramref name="initial"/> under a
    /// new loop.</summary>
    public static OptimizationResult Minimize(IIterativeMethod method, IObjective objective,
        TerminationCriteria termination,
        ReadOnlySpan<double> initial, SolverHooks? hooks = null) =>
        new SolverLoop(objective, termination, hooks).Run(method, initial);

    /// <summary>Runs <paramref name="method"/> from <paramref name="initial"/> (or from the hooks' resumed state) until
    /// it stops.</summary>
    public OptimizationResult Run(IIterativeMethod method, ReadOnlySpan<double> initial)
    {
        var hooks = _hooks;
        var solver = _solver = method.Solver;
        var resume = hooks.ResumeFrom;
        long origin = hooks.Origin;
        double timeOffset = resume?.History.LastOrDefault()?.ElapsedSeconds ?? 0;
        try { method.Start(resume?.Point ?? initial, resume); }
        catch (NonFiniteValueException e)
        {
            string start = resume is null ? "the first evaluation" : "the first evaluation after resuming";
            return new OptimizationResult([], double.NaN, double.NaN, resume?.Iteration ?? 0, ExitCondition.Diverged,
                $"{start} already overflowed ({Described(e)}), so there is no finite model and none is written: " +
                "check the data for huge values, and " + solver.DivergenceAdvice, _history);
        }
        double initialLoss = resume?.InitialLoss ?? method.Loss;
        double initialNorm = resume?.InitialGradientNorm ?? hooks.ReferenceGradientNorm
            ?? _space.Norm(method.Stationarity);
        _initialNorm = initialNorm;
        var monitor = new Monitor(this, method, initialLoss, initialNorm);
        var previous = method.Point.ToArray(); // the last iterate whose loss was finite
        var best = new BestValidation();
        // --tolerance 0 asks for the whole budget: no stall test then.
        var stall = new StallWatch(termination.RelativeGradientTolerance > 0 ? termination.StallIterations : 0,
            resume?.Iteration ?? 0);
        bool midIteration = resume is not null && method.Position > 0;
        for (int iteration = resume?.Iteration ?? 0; ; iteration++)
        {
            monitor.Iteration = iteration;
            if (!midIteration)
            {
                double norm = _space.Norm(method.Stationarity), loss = method.Loss;
                if (resume is null || iteration > resume.Iteration)
                {
                    var record = new IterationRecord(iteration, loss, norm,
                        timeOffset + Stopwatch.GetElapsedTime(origin).TotalSeconds, method.DataPasses,
                        iteration == 0 ? double.NaN : method.StepSize, objective.ValidationLoss);
                    _history.Add(record);
                    hooks.Progress?.Invoke(record);
                }
                if (method.IsDirect)
                    return Result(method, ExitCondition.ExactSolution, "Cholesky solve of the normal equations",
                        iteration);
                double previousLoss = _history.Count >= 2 && _history[^1].Iteration == iteration ? _history[^2].Loss
                    : double.NaN;
                if (termination.Check(iteration, loss, initialLoss, norm, initialNorm, previousLoss) is var (exit,
                    reason))
                    return exit == ExitCondition.Diverged
                        ? Diverged(previous, iteration, iteration - 1, reason, method.StepSize)
                        : Result(method, exit, reason, iteration);
                if (stall.Stalled(iteration, loss) is { } stalled)
                    return Result(method, ExitCondition.NoProgress, string.Create(CultureInfo.InvariantCulture,
                        $"the loss has not decreased for {termination.StallIterations} {solver.Units} (best " +
                        $"{stalled.Loss:G10} at {solver.Unit} {stalled.Iteration}; last step size " +
                        $"{method.StepSize:G3}); relative gradient norm {Relative(norm):G3}, " +
                        $"tolerance {termination.RelativeGradientTolerance:G3}"), iteration);
                if (best.Update(termination.Patience, objective.ValidationLoss, iteration, loss,
                    method.Point) is { } kept)
                    return new OptimizationResult(kept.Point, kept.Loss, double.NaN, iteration,
                        ExitCondition.EarlyStopped,
                        $"the validation loss has not improved for {termination.Patience} {solver.Units}; kept "
                        + $"{solver.Unit} {kept.Iteration} (validation loss {kept.Validation:G8})", _history,
                        DataPasses: method.DataPasses);
                if (hooks.Control?.StopAgreed == true) return Interrupted(method, iteration);
                if (hooks.CheckpointDueAfter(iteration)) hooks.Checkpoint!(State(method, iteration, initialLoss,
                    initialNorm));
                method.Point.CopyTo(previous, 0);
            }
            midIteration = false;
            StepResult step;
            _passes = method.DataPasses;
            try { step = method.Step(iteration, monitor); }
            catch (NonFiniteValueException e)
            {
                return Diverged(previous, iteration + 1, iteration, Described(e), method.StepSize);
            }
            if (step.Outcome == StepOutcome.Interrupted) return Interrupted(method, iteration);
            if (step.Outcome == StepOutcome.NoProgress)
                return Result(method, ExitCondition.NoProgress, step.Reason +
                    string.Create(CultureInfo.InvariantCulture, $" (relative gradient norm " +
                        $"{Relative(_space.Norm(method.Stationarity)):G3}, tolerance " +
                        $"{termination.RelativeGradientTolerance:G3})"),
                    iteration);
        }

        OptimizationResult Interrupted(IIterativeMethod m, int iteration)
        {
            hooks.Checkpoint?.Invoke(State(m, iteration, initialLoss, initialNorm));
            string where = m.Position > 0 ? $"in {solver.Unit} {iteration} at row position {m.Position}"
                : $"at {solver.Unit} {iteration}";
            return new OptimizationResult(m.Point, _history.LastOrDefault()?.Loss ?? double.NaN, double.NaN, iteration,
                ExitCondition.Interrupted, $"stop requested by a signal {where}", _history,
                DataPasses: m.DataPasses);
        }
    }

    /// <summary>The overflow's message with what the objective can name of its cause (collective: every rank caught
    /// the same agreed overflow).</summary>
    private string Described(NonFiniteValueException e)
    {
        string cause = objective.DescribeNonFinite();
        return cause.Length == 0 ? e.Message : $"{e.Message}: {cause}";
    }

    private OptimizationResult Result(IIterativeMethod method, ExitCondition exit, string reason, int iteration)
    {
        double norm = _space.Norm(method.Stationarity);
        return new(method.Point, method.Loss, norm, iteration, exit, reason, _history, Relative(norm),
            method.DataPasses, termination.RelativeGradientTolerance);
    }

    private double Relative(double norm) => _initialNorm > 0 ? norm / _initialNorm : double.NaN;

    /// <summary>The last finite iterate (<paramref name="lastGood"/>, that of <paramref name="goodIteration"/>) as the
    /// result: its loss and gradient norm are those recorded for it.</summary>
    private OptimizationResult Diverged(double[] lastGood, int iteration, int goodIteration, string reason,
        double stepSize)
    {
        var record = _history.LastOrDefault(r => r.Iteration == goodIteration) ?? _history.LastOrDefault();
        var solver = _solver;
        string step = double.IsFinite(stepSize) && solver.NeedsLearningRate
            ? string.Create(CultureInfo.InvariantCulture, $" with learning rate {stepSize:G4}") : "";
        return new OptimizationResult(lastGood, record?.Loss ?? double.NaN, record?.GradientNorm ?? double.NaN,
            iteration,
            ExitCondition.Diverged, $"diverged at {solver.Unit} {iteration} ({reason}){step}: "
            + $"{solver.DivergenceAdvice}. The model kept is the last finite iterate, of {solver.Unit} "
            + $"{Math.Max(goodIteration, 0)}", _history, Relative(record?.GradientNorm ?? double.NaN), _passes);
    }

    private SolverState State(IIterativeMethod method, int iteration, double initialLoss, double initialNorm) =>
        new(iteration, method.Position, method.Point, initialLoss, initialNorm, _history.ToArray(),
            method.SaveState());

    /// <summary>Checkpoints and stops between the updates of one iteration (mini-batch solvers).</summary>
    private sealed class Monitor(SolverLoop loop, IIterativeMethod method, double initialLoss, double initialNorm)
        : IStepMonitor
    {
        public int Iteration { get; set; }

        public bool ContinueAfterUpdate()
        {
            var hooks = loop._hooks;
            if (hooks.Control?.StopAgreed == true) return false;
            if (hooks.Control?.CheckpointAgreed == true && hooks.Checkpoint is not null)
                hooks.Checkpoint(loop.State(method, Iteration, initialLoss, initialNorm));
            return true;
        }
    }

    /// <summary>The lowest loss so far and its iteration: a run whose loss has not fallen below it by more than 4 ulp
    /// for <c>window</c> iterations is stalled (its step has collapsed, or it circles). Disabled when the window is
    /// 0.</summary>
    private sealed class StallWatch(int window, int start)
    {
        private double _best = double.PositiveInfinity;
        private int _iteration = start;

        public (double Loss, int Iteration)? Stalled(int iteration, double loss)
        {
            if (window <= 0 || double.IsNaN(loss)) return null;
            if (loss < _best - 4 * double.Epsilon - 8.9e-16 * Math.Abs(_best) || double.IsPositiveInfinity(_best))
            {
                (_best, _iteration) = (loss, iteration);
                return null;
            }
            return iteration - _iteration >= window ? (_best, _iteration) : null;
        }
    }

    /// <summary>The best validation loss so far and the point it was measured at; after <c>patience</c> iterations
    /// without improvement, that point is the result.</summary>
    private sealed class BestValidation
    {
        private double _validation = double.PositiveInfinity, _loss;
        private int _iteration = -1;
        private double[]? _point;

        public (double[] Point, double Loss, int Iteration, double Validation)? Update(int patience, double validation,
            int iteration, double loss, double[] point)
        {
            if (patience <= 0 || double.IsNaN(validation)) return null;
            if (validation < _validation)
            {
                (_validation, _iteration, _loss, _point) = (validation, iteration, loss, point.ToArray());
                return null;
            }
            return iteration - _iteration < patience ? null : (_point!, _loss, _iteration, _validation);
        }
    }
}
