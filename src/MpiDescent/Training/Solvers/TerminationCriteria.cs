namespace MpiDescent.Training.Solvers;

/// <summary>
/// When an iterative solver stops. All inputs are reduced values, identical on every rank, so every rank stops at
/// the same iteration.
/// </summary>
/// <param name="MaxIterations">Limit on updates (iterations for gd, epochs for sgd).</param>
/// <param name="RelativeGradientTolerance">Stop when ‖∇J‖ ≤ tolerance·‖∇J(θ₀)‖.</param>
/// <param name="DivergenceFactor">Declare divergence when the loss exceeds this multiple of the first loss.</param>
/// <param name="RelativeLossTolerance">Stop when |J_k − J_(k−1)| ≤ tolerance·|J_k| (0: off).</param>
/// <param name="Patience">With a validation split: stop when the validation loss has not improved for this many
/// iterations, keeping the best point (0: off).</param>
/// <param name="Unit">What one update is called in messages: "iteration", or "epoch" for sgd.</param>
/// <param name="StallIterations">Stop as stalled when the loss has not fallen below its best by more than rounding
/// (4 ulp) for this many iterations (0: off; off as well with a tolerance of 0, which asks for the whole
/// budget).</param>
public sealed record TerminationCriteria(int MaxIterations, double RelativeGradientTolerance,
    double DivergenceFactor = 1e8, double RelativeLossTolerance = 0,
    int Patience = 0, int StallIterations = TerminationCriteria.DefaultStallIterations, string Unit = "iteration")
{
    /// <summary>Iterations without a decrease of the loss after which a run is stalled.</summary>
    public const int DefaultStallIterations = 100;

    /// <summary>Returns why to stop after <paramref name="iteration"/> updates, or null to go on.</summary>
    public (ExitCondition Exit, string Reason)? Check(int iteration, double loss, double initialLoss,
        double gradientNorm, double initialGradientNorm,
        double previousLoss = double.NaN)
    {
        if (!double.IsFinite(loss) || loss > DivergenceFactor * Math.Max(initialLoss, double.Epsilon))
            return (ExitCondition.Diverged,
                $"the loss grew from {initialLoss:G6} to {loss:G6} at {Unit} {iteration}");
        if (gradientNorm <= RelativeGradientTolerance * initialGradientNorm)
            return (ExitCondition.Converged,
                $"relative gradient norm {Relative(gradientNorm, initialGradientNorm):G3} ≤ " +
                $"{RelativeGradientTolerance:G3}");
        if (RelativeLossTolerance > 0 && Math.Abs(previousLoss - loss) <= RelativeLossTolerance * Math.Abs(loss))
            return (ExitCondition.Converged,
                $"relative loss change {Math.Abs(previousLoss - loss) / Math.Abs(loss):G3} ≤ " +
                $"{RelativeLossTolerance:G3}");
        if (iteration >= MaxIterations)
            return (ExitCondition.MaxIterations,
                $"reached the limit of {MaxIterations} {Unit}s (relative gradient norm " +
                $"{Relative(gradientNorm, initialGradientNorm):G3})");
        return null;
    }

    private static double Relative(double norm, double initial) => initial > 0 ? norm / initial : 0;
}
