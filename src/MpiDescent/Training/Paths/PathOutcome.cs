namespace MpiDescent.Training.Paths;

/// <summary>What <see cref="PathTraining.Run"/> trained and, with cross-validation, what it chose.</summary>
/// <param name="Models">Every model, fold by fold (folds in order; within each, strongest penalty first).</param>
/// <param name="Scores">With cross-validation, each penalty's scores, strongest first; empty otherwise.</param>
/// <param name="Best">The index of the penalty with the least mean validation loss (−1 without
/// cross-validation).</param>
/// <param name="Chosen">The penalty chosen: <paramref name="Best"/>, or the strongest within one standard error of it
/// (−1 without cross-validation).</param>
/// <param name="Lockstep">Whether the models shared their passes (<see cref="LockstepSolvers"/>), or were trained in
/// turn.</param>
/// <param name="SharedPasses">Passes over this rank's rows that served several models at once.</param>
/// <param name="Seconds">Wall time of the training, the folds' final evaluations included.</param>
/// <param name="LocalFolds">With cross-validation, the fold (0-based) of each of this rank's rows; else null.</param>
/// <param name="SharedComputeSeconds">This rank's seconds in the shared passes.</param>
/// <param name="SharedCommunicationSeconds">This rank's seconds in the shared reductions, waiting included.</param>
public sealed record PathOutcome(IReadOnlyList<PathModel> Models, IReadOnlyList<PenaltyScore> Scores, int Best,
    int Chosen, bool Lockstep, long SharedPasses, double Seconds, int[]? LocalFolds, double SharedComputeSeconds = 0,
    double SharedCommunicationSeconds = 0)
{
    /// <summary>Every model's progress, what a checkpoint of the path keeps (after an agreed stop: the saved states
    /// of the models it stopped).</summary>
    public PathProgress Progress { get; init; } = new("", []);
}
