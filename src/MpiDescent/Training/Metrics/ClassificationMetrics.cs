using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Metrics;

/// <summary>
/// Binary classification metrics over all ranks' rows from the scores z = x·w + b (positive class when z &gt; 0):
/// accuracy, precision, recall, F1, log loss (logistic models) and ROC AUC. The AUC comes from a histogram of the
/// scores in 4096 equal bins over their global range, reduced exactly; pairs of opposite classes within one bin count
/// one half, so the AUC is exact up to the stated bound Σ_b pos_b·neg_b / (2PN). </summary>
public sealed record ClassificationMetrics(long Rows, double Accuracy, double Precision, double Recall, double F1,
    double? LogLoss,
    double RocAuc, double RocAucErrorBound)
{
    private const int Bins = 4096;

    /// <summary>Computes the metrics (collective). Labels are ≤ 0 for the negative class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ClassificationMetrics Compute(ReadOnlySpan<double> scores, ReadOnlySpan<double> labels,
        bool logistic, ICommunicator comm)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var z in scores) { min = Math.Min(min, z); max = Math.Max(max, z); }
        var extremes = comm.AllGather([min, -max]);
        for (int r = 0; r < comm.Size; r++)
        {
            min = Math.Min(min, extremes[2 * r]); max = Math.Max(max, -extremes[2 * r
            + 1]);
        }
        double width = max > min ? (max - min) / Bins : 1;

        var counts = new long[4 + 2 * Bins]; // tp, fp, tn, fn, then positives and negatives per bin
        var logLoss = new ExactVectorSum(1);
        for (int i = 0; i < labels.Length; i++)
        {
            bool actual = labels[i] > 0, predicted = scores[i] > 0;
            counts[actual ? (predicted ? 0 : 3) : (predicted ? 1 : 2)]++;
            int bin = Math.Clamp((int)((scores[i] - min) / width), 0, Bins - 1);
            counts[4 + 2 * bin + (actual ? 0 : 1)]++;
            if (logistic) logLoss.Add(0, default(Losses.LogisticLoss).Evaluate(scores[i], actual ? 1 : -1).Value);
        }
        comm.AllreduceSum(counts);
        var logLossTotal = new double[1];
        logLoss.Allreduce(comm, logLossTotal);
        long tp = counts[0], fp = counts[1], tn = counts[2], fn = counts[3], rows = tp + fp + tn + fn;
        double positives = tp + fn, negatives = tn + fp;
        double auc = 0, bound = 0, negativesBelow = 0;
        for (int b = 0; b < Bins; b++)
        {
            double pos = counts[4 + 2 * b], neg = counts[5 + 2 * b];
            auc += pos * (negativesBelow + 0.5 * neg);
            bound += pos * neg / 2;
            negativesBelow += neg;
        }
        double pairs = positives * negatives;
        double precision = tp + fp > 0 ? (double)tp / (tp + fp) : 0, recall = positives > 0 ? tp / positives : 0;
        return new ClassificationMetrics(rows, (double)(tp + tn) / rows, precision, recall,
            precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0,
            logistic ? logLossTotal[0] / rows : null, pairs > 0 ? auc / pairs : double.NaN, pairs > 0 ? bound / pairs
                : double.NaN);
    }
}
