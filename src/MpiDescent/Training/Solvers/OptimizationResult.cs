namespace MpiDescent.Training.Solvers;

/// <summary>What a solver returns: the point, its objective value and why it stopped.</summary>
public sealed record OptimizationResult(double[] Point, double Value, double GradientNorm, int Iterations,
    ExitCondition Exit, string ExitReason, IReadOnlyList<IterationRecord> History);
