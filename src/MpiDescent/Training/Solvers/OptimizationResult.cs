namespace MpiDescent.Training.Solvers;

/// <summary>What a solver returns: the point, its objective value, why it stopped, how far from stationary it is and
/// how many passes over the data it took.</summary>
/// <param name="Point">θ (empty when no finite point was reached).</param>
/// <param name="Value">J(θ).</param>
/// <param name="GradientNorm">‖∇J(θ)‖ (the pseudo-gradient's with L1), NaN when not evaluated at the kept
/// point.</param>
/// <param name="Iterations">Iterations (epochs) made.</param>
/// <param name="Exit">Why it stopped.</param>
/// <param name="ExitReason">The reason in words, with the figures it was decided on.</param>
/// <param name="History">The recorded iterations.</param>
/// <param name="RelativeGradientNorm">‖∇J(θ)‖/‖∇J(θ₀)‖, the measure of the tolerance (NaN when not
/// evaluated).</param>
/// <param name="DataPasses">Full passes over the data (evaluations, Hessian products and the sweeps of mini-batch
/// solvers).</param>
/// <param name="Tolerance">The relative gradient tolerance the run had (0: run the whole budget).</param>
public sealed record OptimizationResult(double[] Point, double Value, double GradientNorm, int Iterations,
    ExitCondition Exit, string ExitReason, IReadOnlyList<IterationRecord> History,
    double RelativeGradientNorm = double.NaN, long DataPasses = 0, double Tolerance = double.NaN)
{
    /// <summary>Whether the run reached what was asked of it: the tolerance, or the exact solution.</summary>
    public bool Converged => Exit is ExitCondition.Converged or ExitCondition.ExactSolution;

    /// <summary>Whether the run ended short of the tolerance without being told to stop (the iteration limit, or no
    /// further progress): the model is the best the solver found, not the optimum, and the user must be told. With a
    /// tolerance of 0 the limit is what was asked for.</summary>
    public bool FellShort =>
        Exit == ExitCondition.NoProgress || (Exit == ExitCondition.MaxIterations && Tolerance != 0);
}
