namespace MpiDescent.Planning;

/// <summary>A training run's measured times beside its plan's prediction for the run's rank count, as the run report
/// records them (<c>train --plan</c>).</summary>
/// <param name="PlanFile">The plan file.</param>
/// <param name="Ranks">The run's rank count.</param>
/// <param name="PredictedPassSeconds">The plan's time per pass (compute and all-reduce).</param>
/// <param name="MeasuredPassSeconds">The run's (slowest rank's compute + communication) / data passes.</param>
/// <param name="PredictedLoadSeconds">The plan's load time of the largest slice.</param>
/// <param name="MeasuredLoadSeconds">The run's slowest load (opening, reading, checking, labels).</param>
public sealed record PlanComparison(string PlanFile, int Ranks, double PredictedPassSeconds,
    double MeasuredPassSeconds, double PredictedLoadSeconds, double MeasuredLoadSeconds)
{
    /// <summary>Predicted over measured time per pass.</summary>
    public double PassRatio => PredictedPassSeconds / MeasuredPassSeconds;

    /// <summary>Predicted over measured load time.</summary>
    public double LoadRatio => PredictedLoadSeconds / MeasuredLoadSeconds;
}
