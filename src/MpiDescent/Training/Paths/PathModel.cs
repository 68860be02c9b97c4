using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Paths;

/// <summary>One model of a regularization path or of cross-validation.</summary>
/// <param name="Penalty">Its strength's index in the path, from the strongest (0 without a path).</param>
/// <param name="Fold">The fold held out, 0-based, or −1 when it was trained on every row.</param>
/// <param name="L1">Its λ₁.</param>
/// <param name="L2">Its λ₂.</param>
/// <param name="LearningRate">The learning rate it used (0 when its solver takes none).</param>
/// <param name="Result">How its solver ended, with its point (standardized, as the solver saw it).</param>
/// <param name="ValidationLoss">The weighted mean loss on the held-out fold at the result's point (NaN without a
/// fold, or when the model has no finite point).</param>
/// <param name="ValidationAccuracy">The fraction of the held-out fold's rows classified right (NaN for regression
/// and without a fold).</param>
/// <param name="ValidationAuc">The ROC AUC of its scores on the held-out fold, for binary classifiers (NaN
/// otherwise): <see cref="Metrics.ClassificationMetrics"/>'s, exact up to its histogram's bound.</param>
public sealed record PathModel(int Penalty, int Fold, double L1, double L2, double LearningRate,
    OptimizationResult Result,
    double ValidationLoss, double ValidationAccuracy, double ValidationAuc = double.NaN);
