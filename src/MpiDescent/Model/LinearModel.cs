using MpiDescent.Losses;

namespace MpiDescent.Model;

/// <summary>A trained linear model as scoring uses it: the loss it was trained with (which says how scores become
/// predictions), θ in its <see cref="ParameterLayout"/>, and the class labels of the data for the binary
/// losses.</summary>
/// <param name="Loss">The loss.</param>
/// <param name="Layout">Where each parameter lives in <paramref name="Parameters"/>.</param>
/// <param name="Parameters">θ on the raw features.</param>
/// <param name="ClassLabels">Binary losses: the labels of the negative and positive class as the data had them.</param>
/// <param name="ClassNames">The classes' names when the training data's labels were text (class k is the k-th), or
/// null.</param>
public sealed record LinearModel(LossKind Loss, ParameterLayout Layout, double[] Parameters,
    double[]? ClassLabels = null, string[]? ClassNames = null)
{
    /// <summary>The name of a predicted class (<see cref="Predict"/>'s value) when the model has names: class k for
    /// softmax, the negative (first) or positive (second) class for the binary losses.</summary>
    public string ClassName(double predicted) =>
        ClassNames![Loss.IsBinary() ? (predicted > 0 ? 1 : 0) : (int)predicted];

    /// <summary>Margins per row (K).</summary>
    public int Outputs => Layout.Outputs;

    /// <summary>The prediction for one row's scores: the value (regression), the class label (binary: the positive one
    /// when z &gt; 0; softmax: argmax_k z_k).</summary>
    public double Predict(ReadOnlySpan<double> scores)
    {
        if (Loss.IsMultiClass())
        {
            int best = 0;
            for (int k = 1; k < scores.Length; k++)
                if (scores[k] > scores[best]) best = k;
            return best;
        }
        if (Loss.IsBinary()) return scores[0] > 0 ? ClassLabels![1] : ClassLabels![0];
        return scores[0];
    }

    /// <summary>Class probabilities from one row's scores: σ(z) of the positive class (logistic), or softmax(z) of
    /// every class, into <paramref name="probabilities"/> (1 or K values).</summary>
    public void Probabilities(ReadOnlySpan<double> scores, Span<double> probabilities)
    {
        if (!Loss.IsMultiClass())
        {
            probabilities[0] = 1 / (1 + Math.Exp(-scores[0]));
            return;
        }
        double max = scores[0];
        for (int k = 1; k < scores.Length; k++) max = Math.Max(max, scores[k]);
        double sum = 0;
        for (int k = 0; k < scores.Length; k++) sum += probabilities[k] = Math.Exp(scores[k] - max);
        for (int k = 0; k < scores.Length; k++) probabilities[k] /= sum;
    }
}
