namespace MpiDescent.Training.Preparation;

/// <summary>How rows are weighted by their class (binary losses): not at all, "balanced" (each class m/(2·count), as
/// scikit-learn's <c>class_weight='balanced'</c>), or given weights of the negative and the positive class.</summary>
public sealed record ClassWeights(bool Balanced, double Negative = 1, double Positive = 1)
{
    /// <summary>Every row weighs 1.</summary>
    public static readonly ClassWeights None = new(false);

    /// <summary>Each class weighs m/(2·count).</summary>
    public static readonly ClassWeights BalancedClasses = new(true);

    /// <summary>Whether any row weighs other than 1.</summary>
    public bool Any => Balanced || Negative != 1 || Positive != 1;

    /// <summary>The weights of the two classes given their counts.</summary>
    public (double Negative, double Positive) Resolve(long negatives, long positives)
    {
        if (!Balanced) return (Negative, Positive);
        double rows = negatives + positives;
        return (rows / (2.0 * negatives), rows / (2.0 * positives));
    }
}
