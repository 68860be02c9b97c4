using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Metrics;

/// <summary>Multi-class metrics over all ranks' rows: accuracy (counts reduced as integers) and log loss (an exact
/// sum).</summary>
public sealed record MultiClassMetrics(long Rows, int Classes, double Accuracy, double LogLoss)
{
    /// <summary>Computes the metrics (collective) from each local row's predicted class, class probabilities
    /// (K per row) and label.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static MultiClassMetrics Compute(ReadOnlySpan<double> predicted, ReadOnlySpan<double> probabilities,
        ReadOnlySpan<double> labels, int classes, long totalRows, ICommunicator comm)
    {
        long correct = 0;
        var logLoss = new ExactVectorSum(1);
        for (int i = 0; i < labels.Length; i++)
        {
            int label = (int)labels[i];
            if (predicted[i] == label) correct++;
            double p = label < classes ? probabilities[i * classes + label] : 0;
            logLoss.Add(0, -Math.Log(Math.Max(p, 1e-300)));
        }
        Span<long> counts = [correct];
        comm.AllreduceSum(counts);
        var total = new double[1];
        logLoss.Allreduce(comm, total);
        return new MultiClassMetrics(totalRows, classes, (double)counts[0] / totalRows, total[0] / totalRows);
    }
}
