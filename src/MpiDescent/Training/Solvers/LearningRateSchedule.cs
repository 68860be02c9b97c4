namespace MpiDescent.Training.Solvers;

/// <summary>
/// The sgd learning rate by epoch e (0-based): constant η; inverse-scaling η/√(e + 1); or step, η·γ^⌊e/k⌋. A function
/// of the epoch only, so it is the same at any rank count and after a resume. </summary>
public sealed record LearningRateSchedule(string Kind, int StepEpochs = 10, double StepFactor = 0.5)
{
    /// <summary>The constant schedule.</summary>
    public static readonly LearningRateSchedule Constant = new("constant");

    /// <summary>The rate in <paramref name="epoch"/> for base rate <paramref name="rate"/>.</summary>
    public double Rate(double rate, int epoch) => Kind switch
    {
        "inverse-scaling" => rate / Math.Sqrt(epoch + 1),
        "step" => rate * Math.Pow(StepFactor, epoch / StepEpochs),
        _ => rate,
    };
}
