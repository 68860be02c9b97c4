namespace MpiDescent.Training.Solvers;

/// <summary>What a method's iteration (or epoch) ended with.</summary>
public enum StepOutcome
{
    /// <summary>The update was made; the method is at its next point.</summary>
    Done,
    /// <summary>A stop was agreed between mini-batches; the method's state is mid-iteration (see
    /// <see cref="IIterativeMethod.Position"/>).</summary>
    Interrupted,
    /// <summary>The method could make no progress (a line search found no decrease); the point is unchanged.</summary>
    NoProgress,
}

/// <summary>A step's outcome and, for <see cref="StepOutcome.NoProgress"/>, why.</summary>
public readonly record struct StepResult(StepOutcome Outcome, string? Reason = null)
{
    /// <summary>The update was made.</summary>
    public static readonly StepResult Done = new(StepOutcome.Done);
}

/// <summary>What a method asks the loop between the updates of one iteration (mini-batch solvers).</summary>
public interface IStepMonitor
{
    /// <summary>Called after each update inside an iteration: writes an agreed time-based checkpoint, and returns false
    /// when a stop has been agreed (the method then returns <see cref="StepOutcome.Interrupted"/>).</summary>
    bool ContinueAfterUpdate();
}

/// <summary>
/// One optimization method as <see cref="SolverLoop"/> drives it: the method knows how to go from one point to the
/// next and what state it needs to continue; the loop owns everything else (history, termination, early stopping,
/// signals, checkpoints, divergence), the same way for every method. A method sees the objective only through
/// <see cref="Objectives.IObjective"/>, as LIBLINEAR's solvers see fun/grad.
/// </summary>
public interface IIterativeMethod
{
    /// <summary>Which solver this is (its unit, its advice on divergence).</summary>
    SolverInfo Solver { get; }

    /// <summary>Sets up at <paramref name="point"/> (a fresh start) or at <paramref name="resume"/>'s state, and
    /// evaluates what <see cref="Loss"/> and <see cref="Stationarity"/> report (collective).</summary>
    void Start(ReadOnlySpan<double> point, SolverState? resume);

    /// <summary>The current point θ.</summary>
    double[] Point { get; }

    /// <summary>The objective at <see cref="Point"/>, with the L1 penalty when there is one (NaN
    /// mid-iteration).</summary>
    double Loss { get; }

    /// <summary>The gradient at <see cref="Point"/>, or with L1 the pseudo-gradient: its norm measures
    /// stationarity.</summary>
    ReadOnlySpan<double> Stationarity { get; }

    /// <summary>The step size of the update that led to <see cref="Point"/> (NaN when there is none).</summary>
    double StepSize { get; }

    /// <summary>Mini-batch methods: the next row position within the current epoch (0 at an epoch boundary).</summary>
    long Position => 0;

    /// <summary>Full passes over the data so far (evaluations, plus the mini-batch sweeps of stochastic
    /// methods).</summary>
    long DataPasses { get; }

    /// <summary>Whether the method is a direct solve: <see cref="Start"/> reaches the solution and there is no
    /// iteration.</summary>
    bool IsDirect => false;

    /// <summary>Makes iteration (or epoch) <paramref name="iteration"/>: from the current point to the next
    /// (collective).</summary>
    /// <exception cref="Numerics.NonFiniteValueException">The loss or gradient overflowed (agreed by all ranks): the
    /// loop keeps the last finite point.</exception>
    StepResult Step(int iteration, IStepMonitor monitor);

    /// <summary>The vectors a checkpoint must keep to continue bit for bit (curvature pairs, velocity, moments), or
    /// null: the method's own arrays where it can, valid until its next step (a checkpoint is written at
    /// once).</summary>
    double[][]? SaveState();
}
