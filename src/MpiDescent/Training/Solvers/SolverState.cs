using System.Diagnostics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Everything an iterative solver needs to continue exactly where it was: a resumed run then produces bitwise the same
/// model as an uninterrupted one. For sgd the random state is (seed, <see cref="Epoch"/>, <see cref="Position"/>) since
/// the row order is a stateless permutation.
/// </summary>
/// <param name="Iteration">Updates done (gd) or epochs completed (sgd).</param>
/// <param name="Position">sgd: the next position within epoch <see cref="Iteration"/>; 0 at an epoch boundary.</param>
/// <param name="Point">Current parameters (on the training scale).</param>
/// <param name="InitialLoss">The loss at the start of the whole run (for the divergence test).</param>
/// <param name="InitialGradientNorm">The gradient norm at the start (for the relative tolerance).</param>
/// <param name="History">The iteration history so far.</param>
/// <param name="Auxiliary">Solver-specific vectors: L-BFGS pairs, momentum velocity, Adam moments.</param>
public sealed record SolverState(int Iteration, long Position, double[] Point, double InitialLoss,
    double InitialGradientNorm,
    IReadOnlyList<IterationRecord> History, double[][]? Auxiliary = null)
{
    /// <summary>Set when <see cref="Point"/> (and the auxiliary vectors of θ's length) are this rank's slices of a
    /// partitioned model's vectors; null when they are whole.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Model.ParameterSpace? Slices { get; init; }

    /// <summary>sgd: the epoch in progress.</summary>
    public int Epoch => Iteration;
}

/// <summary>How a solver saves and continues: the state to resume from (or null), a callback that receives the state
/// when a checkpoint is due (its vectors are the method's own arrays, valid during the call: write or copy them
/// then), every-N-iterations checkpoints, and the agreed stop/checkpoint requests.</summary>
public sealed record SolverHooks(SolverState? ResumeFrom = null, Action<SolverState>? Checkpoint = null,
    int CheckpointEvery = 0,
    RunControl? Control = null, Action<IterationRecord>? Progress = null, long StartTimestamp = 0)
{
    /// <summary>When the run's solving began (<see cref="Stopwatch.GetTimestamp"/>; 0: when the solver starts), the
    /// origin of the history's elapsed seconds, so that they include the first evaluation and any step-size
    /// estimation.</summary>
    internal long Origin => StartTimestamp != 0 ? StartTimestamp : Stopwatch.GetTimestamp();

    /// <summary>The denominator of the relative gradient tolerance when the run starts from a point other than 0 (a
    /// warm start): the norm its run from 0 started with, so that both stop at the same gradient norm. Null: the norm
    /// at the starting point.</summary>
    public double? ReferenceGradientNorm { get; init; }

    /// <summary>No resume, no checkpoints.</summary>
    public static readonly SolverHooks None = new();

    /// <summary>When set, decides in place of <see cref="CheckpointEvery"/> and the agreed request whether the state
    /// at the top of an iteration goes to <see cref="Checkpoint"/> (the models of a path save their states when
    /// their own turn comes: <see cref="Paths.LockstepSolvers"/>).</summary>
    public Func<int, bool>? SaveDue { get; init; }

    internal bool CheckpointDueAfter(int iteration) =>
        Checkpoint is not null && (SaveDue?.Invoke(iteration) ?? ((CheckpointEvery > 0 && iteration > 0
            && iteration % CheckpointEvery == 0) || Control?.CheckpointAgreed == true));
}
