using System.Diagnostics;

namespace MpiDescent.Training;

/// <summary>
/// The bookkeeping every full-batch iterative solver shares, at the top of each iteration: record the history (not again
/// for the iteration a resume starts at), test termination, honour an agreed stop (checkpoint, then Interrupted), and write
/// due checkpoints. A solver supplies its point, loss, gradient and its own state vectors.
/// </summary>
public sealed class SolverLoop
{
    private readonly TerminationCriteria _termination;
    private readonly SolverHooks _hooks;
    private readonly long _origin;
    private readonly double _timeOffset;
    private readonly List<IterationRecord> _history;
    private readonly IObjective _objective;
    private double _bestValidation = double.PositiveInfinity;
    private int _bestIteration = -1;
    private double[]? _bestPoint;
    private double _bestLoss;

    /// <summary>Starts the loop; <paramref name="loss"/> and <paramref name="gradient"/> are at the first point.</summary>
    public SolverLoop(IObjective objective, TerminationCriteria termination, SolverHooks hooks, double loss, ReadOnlySpan<double> gradient)
    {
        _origin = hooks.Origin;
        _objective = objective;
        _termination = termination;
        _hooks = hooks;
        var resume = hooks.ResumeFrom;
        _timeOffset = resume?.History.LastOrDefault()?.ElapsedSeconds ?? 0;
        _history = new List<IterationRecord>(resume?.History ?? []);
        InitialLoss = resume?.InitialLoss ?? loss;
        InitialGradientNorm = resume?.InitialGradientNorm ?? VectorMath.Norm(gradient);
        FirstIteration = resume?.Iteration ?? 0;
    }

    /// <summary>The iteration to start at (0, or the resumed one).</summary>
    public int FirstIteration { get; }
    /// <summary>The loss at the start of the whole run.</summary>
    public double InitialLoss { get; }
    /// <summary>The gradient norm at the start of the whole run.</summary>
    public double InitialGradientNorm { get; }
    /// <summary>The history so far.</summary>
    public List<IterationRecord> History => _history;

    /// <summary>Runs the top-of-iteration steps; returns a result when the solver must stop, else null.</summary>
    public OptimizationResult? Check(int iteration, double[] point, double loss, ReadOnlySpan<double> gradient, Func<double[][]?> auxiliary,
        Func<(ExitCondition, string), OptimizationResult?>? onExit = null, double stepSize = double.NaN)
    {
        double norm = VectorMath.Norm(gradient);
        if (_hooks.ResumeFrom is null || iteration > _hooks.ResumeFrom.Iteration)
        {
            var record = new IterationRecord(iteration, loss, norm, _timeOffset + Stopwatch.GetElapsedTime(_origin).TotalSeconds, _objective.Evaluations,
                iteration == 0 ? double.NaN : stepSize, _objective.ValidationLoss);
            _history.Add(record);
            _hooks.Progress?.Invoke(record);
        }
        double previous = _history.Count >= 2 && _history[^1].Iteration == iteration ? _history[^2].Loss : double.NaN;
        if (_termination.Check(iteration, loss, InitialLoss, norm, InitialGradientNorm, previous) is var (exit, reason))
            return onExit?.Invoke((exit, reason)) ?? new OptimizationResult(point, loss, norm, iteration, exit, reason, _history);
        if (EarlyStop(iteration, point, loss) is { } early) return early;
        SolverState State() => new(iteration, 0, point.ToArray(), InitialLoss, InitialGradientNorm, _history.ToArray(), auxiliary());
        if (_hooks.Control?.StopAgreed == true)
        {
            _hooks.Checkpoint?.Invoke(State());
            return new OptimizationResult(point, loss, norm, iteration, ExitCondition.Interrupted, $"stop requested by a signal at iteration {iteration}", _history);
        }
        if (_hooks.CheckpointDueAfter(iteration)) _hooks.Checkpoint!(State());
        return null;
    }

    /// <summary>Tracks the best validation loss; after <see cref="TerminationCriteria.Patience"/> iterations without
    /// improvement, returns the best point as an <see cref="ExitCondition.EarlyStopped"/> result. All ranks see the same
    /// reduced validation loss, so they stop together.</summary>
    private OptimizationResult? EarlyStop(int iteration, double[] point, double loss)
    {
        double validation = _objective.ValidationLoss;
        if (_termination.Patience <= 0 || double.IsNaN(validation)) return null;
        if (validation < _bestValidation)
        {
            (_bestValidation, _bestIteration, _bestLoss) = (validation, iteration, loss);
            _bestPoint = point.ToArray();
            return null;
        }
        if (iteration - _bestIteration < _termination.Patience) return null;
        return new OptimizationResult(_bestPoint!, _bestLoss, double.NaN, iteration, ExitCondition.EarlyStopped,
            $"the validation loss has not improved for {_termination.Patience} iterations; kept iteration {_bestIteration} (validation loss {_bestValidation:G8})", _history);
    }
}
