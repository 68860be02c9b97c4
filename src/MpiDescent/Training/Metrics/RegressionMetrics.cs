using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Metrics;

/// <summary>Regression metrics over all ranks' rows, with reproducible sums (two reductions: first Σe², Σ|e|, Σy,
/// then Σ(y − ȳ)² for R² without cancellation).</summary>
public sealed record RegressionMetrics(double Mse, double Rmse, double Mae, double R2)
{
    /// <summary>Computes the metrics (collective).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RegressionMetrics Compute(ReadOnlySpan<double> predictions, ReadOnlySpan<double> labels,
        long totalRows, ICommunicator comm)
    {
        var first = new ExactVectorSum(3);
        for (int i = 0; i < labels.Length; i++)
        {
            double e = predictions[i] - labels[i];
            first.Add([e * e, Math.Abs(e), labels[i]]);
        }
        var sums = new double[3];
        first.Allreduce(comm, sums);
        double mean = sums[2] / totalRows;
        var second = new ExactVectorSum(1);
        for (int i = 0; i < labels.Length; i++) second.Add(0, (labels[i] - mean) * (labels[i] - mean));
        var total = new double[1];
        second.Allreduce(comm, total);
        double mse = sums[0] / totalRows;
        return new RegressionMetrics(mse, Math.Sqrt(mse), sums[1] / totalRows, total[0] > 0 ? 1 - sums[0] / total[0]
            : double.NaN);
    }
}
