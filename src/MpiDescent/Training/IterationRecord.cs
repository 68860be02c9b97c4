namespace MpiDescent.Training;

/// <summary>One entry of the optimization history: the state after <paramref name="Iteration"/> updates.</summary>
public sealed record IterationRecord(int Iteration, double Loss, double GradientNorm, double ElapsedSeconds);
