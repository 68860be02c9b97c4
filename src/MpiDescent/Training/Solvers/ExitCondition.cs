namespace MpiDescent.Training.Solvers;

/// <summary>Why a solver stopped.</summary>
public enum ExitCondition
{
    /// <summary>The gradient norm fell below the tolerance relative to its first value.</summary>
    Converged,
    /// <summary>The iteration (or epoch) limit was reached.</summary>
    MaxIterations,
    /// <summary>The loss became non-finite or exploded; the last finite point was kept.</summary>
    Diverged,
    /// <summary>A closed-form solve.</summary>
    ExactSolution,
    /// <summary>A stop was requested (preemption signal); the state was checkpointed.</summary>
    Interrupted,
    /// <summary>The validation loss stopped improving; the point with the best validation loss was kept.</summary>
    EarlyStopped,
}
