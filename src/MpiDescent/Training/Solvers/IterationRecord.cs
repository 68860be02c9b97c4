namespace MpiDescent.Training.Solvers;

/// <summary>One entry of the optimization history: the state after <paramref name="Iteration"/> updates, the full
/// passes over the data made so far (line-search trials and step-size estimation included), and the step size of the
/// update that led here (NaN at the start, and for lbfgs the line search's α), and the loss on held-out rows (NaN
/// without a validation split).</summary>
public sealed record IterationRecord(int Iteration, double Loss, double GradientNorm, double ElapsedSeconds,
    long DataPasses = 0,
    double StepSize = double.NaN, double ValidationLoss = double.NaN);
