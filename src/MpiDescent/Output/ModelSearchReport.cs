namespace MpiDescent.Output;

/// <summary>The regularization path or cross-validation of a run, as its report (<c>--report</c>) keeps it.</summary>
/// <param name="Penalty">The penalty the path varies (l2, l1 or regularization), or the one penalty
/// cross-validated.</param>
/// <param name="Folds">The folds of cross-validation (0: none).</param>
/// <param name="Selection">How the penalty was chosen: min or 1se.</param>
/// <param name="Lockstep">Whether the models shared their passes over the data.</param>
/// <param name="SharedPasses">Passes over the data that served several models at once.</param>
/// <param name="Seconds">Wall time of training every model (rank 0's clock).</param>
/// <param name="SharedComputeSeconds">Rank 0's seconds in the shared passes.</param>
/// <param name="SharedCommunicationSeconds">Rank 0's seconds in the shared reductions, waiting for others
/// included.</param>
/// <param name="BestStrength">The strength of least mean validation loss.</param>
/// <param name="ChosenStrength">The strength chosen and refitted on all rows.</param>
/// <param name="Penalties">Each strength's row, strongest first.</param>
public sealed record ModelSearchReport(string Penalty, int Folds, string Selection, bool Lockstep, long SharedPasses,
    double Seconds, double SharedComputeSeconds, double SharedCommunicationSeconds, double BestStrength,
    double ChosenStrength, IReadOnlyList<PenaltyReport> Penalties);

/// <summary>One strength of a path: its penalties, its models' iterations and convergence, and with cross-validation
/// the validation loss, accuracy and (binary classifiers) ROC AUC of every fold's model with their mean and
/// spread.</summary>
public sealed record PenaltyReport(double Strength, double L1, double L2, double MeanValidationLoss,
    double StdValidationLoss, double StandardError, double MeanValidationAccuracy, double StdValidationAccuracy,
    double[] FoldValidationLosses, double[] FoldValidationAccuracies, int[] Iterations, int Converged)
{
    /// <summary>The mean validation ROC AUC over the folds (null in the file but for binary classifiers).</summary>
    public double MeanValidationAuc { get; init; } = double.NaN;
    /// <summary>The sample standard deviation of the folds' ROC AUCs.</summary>
    public double StdValidationAuc { get; init; } = double.NaN;
    /// <summary>Each fold's model's validation ROC AUC.</summary>
    public double[] FoldValidationAucs { get; init; } = [];
}
