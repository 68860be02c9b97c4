namespace MpiDescent.Training.Solvers;

/// <summary>Why a solver stopped.</summary>
public enum ExitCondition
{
    /// <summary>The gradient norm fell below the tolerance relative to its first value.</summary>
    Converged,
    /// <summary>The iteration (or epoch) limit was reached before the tolerance.</summary>
    MaxIterations,
    /// <summary>No further progress before the tolerance: a line search found no decrease, or the loss stopped
    /// decreasing for <see cref="TerminationCriteria.StallIterations"/> iterations (a collapsed step). (Not a rank
    /// that stopped answering: that ends the job with exit code 7.)</summary>
    NoProgress,
    /// <summary>The loss became non-finite or exploded; the last finite point was kept.</summary>
    Diverged,
    /// <summary>A closed-form solve.</summary>
    ExactSolution,
    /// <summary>A stop was requested (preemption signal); the state was checkpointed.</summary>
    Interrupted,
    /// <summary>The validation loss stopped improving; the point with the best validation loss was kept.</summary>
    EarlyStopped,
}
