using MpiDescent.Communication;

namespace MpiDescent.Training.Metrics;

/// <summary>
/// The confusion matrix of a classifier over all ranks' rows, Counts[a·K + p] rows of actual class a predicted as p,
/// reduced as integers (exact, the same at any rank count), and what follows from it per class: precision, recall, F1
/// and support, with their macro averages and the balanced accuracy. Conventions as scikit-learn's
/// <c>classification_report</c> and <c>balanced_accuracy_score</c>: a ratio whose denominator is zero counts 0, and the
/// balanced accuracy averages the recall of the classes present in the labels only.
/// </summary>
public sealed class ConfusionMatrix
{
    private ConfusionMatrix(int classes, long[] counts)
    {
        Classes = classes;
        Counts = counts;
    }

    /// <summary>K.</summary>
    public int Classes { get; }

    /// <summary>Rows of actual class a predicted as p at [a·K + p].</summary>
    public IReadOnlyList<long> Counts { get; }

    /// <summary>Rows of actual class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => Counts[actual * Classes + predicted];

    /// <summary>Rows counted.</summary>
    public long Rows => Counts.Sum();

    /// <summary>Rows of actual class <paramref name="k"/>.</summary>
    public long Support(int k) => Enumerable.Range(0, Classes).Sum(p => this[k, p]);

    /// <summary>Rows predicted as class <paramref name="k"/>.</summary>
    public long PredictedAs(int k) => Enumerable.Range(0, Classes).Sum(a => this[a, k]);

    /// <summary>Of the rows predicted as <paramref name="k"/>, the fraction that are <paramref name="k"/> (0 when none
    /// is).</summary>
    public double Precision(int k) => Ratio(this[k, k], PredictedAs(k));

    /// <summary>Of the rows of class <paramref name="k"/>, the fraction predicted as <paramref name="k"/> (0 when there
    /// are none).</summary>
    public double Recall(int k) => Ratio(this[k, k], Support(k));

    /// <summary>The harmonic mean of precision and recall (0 when both are).</summary>
    public double F1(int k)
    {
        double p = Precision(k), r = Recall(k);
        return p + r > 0 ? 2 * p * r / (p + r) : 0;
    }

    /// <summary>The mean recall over the classes that occur in the labels.</summary>
    public double BalancedAccuracy
    {
        get
        {
            var present = Enumerable.Range(0, Classes).Where(k => Support(k) > 0).ToArray();
            return present.Length == 0 ? double.NaN : present.Average(Recall);
        }
    }

    /// <summary>The mean F1 over all K classes.</summary>
    public double MacroF1 => Enumerable.Range(0, Classes).Average(F1);

    /// <summary>Counts the local rows' (actual, predicted) class indices, each in [0, K), and sums the counts over
    /// all ranks (collective).</summary>
    public static ConfusionMatrix Compute(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes,
        ICommunicator comm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (actual.Length != predicted.Length)
            throw new ArgumentException("one predicted class per actual class", nameof(predicted));
        var counts = new long[classes * classes];
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classes || (uint)predicted[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(actual), $"row {i}: a class outside [0, {classes})");
            counts[actual[i] * classes + predicted[i]]++;
        }
        comm.AllreduceSum(counts);
        return new ConfusionMatrix(classes, counts);
    }

    private static double Ratio(long part, long whole) => whole > 0 ? (double)part / whole : 0;
}
