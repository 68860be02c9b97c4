namespace MpiDescent.Training;

/// <summary>One entry of the optimization history: the state after <paramref name="Iteration"/> updates, and the full passes
/// over the data made so far (line-search trials and step-size estimation included).</summary>
public sealed record IterationRecord(int Iteration, double Loss, double GradientNorm, double ElapsedSeconds, long DataPasses = 0);
