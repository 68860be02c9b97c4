namespace MpiDescent.Training.Paths;

/// <summary>One penalty of cross-validation: its models' validation losses, accuracies and AUCs, fold by fold, and
/// their mean and spread.</summary>
/// <param name="Index">The strength's index in the path, from the strongest.</param>
/// <param name="Strength">The strength the path varies (the penalty itself without a path).</param>
/// <param name="L1">λ₁.</param>
/// <param name="L2">λ₂.</param>
/// <param name="FoldLosses">The validation loss of each fold's model.</param>
/// <param name="FoldAccuracies">The validation accuracy of each fold's model (NaN for regression).</param>
/// <param name="FoldAucs">The validation ROC AUC of each fold's model (NaN but for binary classifiers).</param>
public sealed record PenaltyScore(int Index, double Strength, double L1, double L2, double[] FoldLosses,
    double[] FoldAccuracies, double[] FoldAucs)
{
    /// <summary>The mean validation ROC AUC over the folds (NaN but for binary classifiers).</summary>
    public double MeanAuc => FoldAucs.Average();

    /// <summary>The sample standard deviation of the folds' ROC AUCs.</summary>
    public double StdAuc => StandardDeviation(FoldAucs);

    /// <summary>The mean validation loss over the folds.</summary>
    public double MeanLoss => FoldLosses.Average();

    /// <summary>The sample standard deviation of the folds' validation losses.</summary>
    public double StdLoss => StandardDeviation(FoldLosses);

    /// <summary>The standard error of <see cref="MeanLoss"/>: <see cref="StdLoss"/>/√F.</summary>
    public double StandardError => StdLoss / Math.Sqrt(FoldLosses.Length);

    /// <summary>The mean validation accuracy over the folds (NaN for regression).</summary>
    public double MeanAccuracy => FoldAccuracies.Average();

    /// <summary>The sample standard deviation of the folds' accuracies.</summary>
    public double StdAccuracy => StandardDeviation(FoldAccuracies);

    private static double StandardDeviation(double[] values)
    {
        if (values.Length < 2) return double.NaN;
        double mean = values.Average(), squares = 0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return Math.Sqrt(squares / (values.Length - 1));
    }
}
