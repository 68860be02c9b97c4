using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Model;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// Standardization (<c>--standardize</c>): x' = (x − μ)/σ with the mean and population standard deviation of each
/// feature over all ranks (two reductions: the mean, then Σ(x − μ)², exact and without cancellation). Without an
/// intercept features are only scaled, not centered. Sparse data are never centered (a shift would fill every row):
/// each feature is divided by its standard deviation (around its mean, zeros included) and the intercept absorbs the
/// rest, as in Spark MLlib; the statistics then cost one pass over the nonzeros. Solvers work on x';
/// <see cref="ToOriginalScale"/> maps the parameters back, so saved models predict from raw features (as Spark MLlib
/// reports them). A constant feature keeps σ = 1.
/// </summary>
public sealed class FeatureScaling
{
    private FeatureScaling(double[] means, double[] scales)
    {
        Means = means;
        Scales = scales;
    }

    /// <summary>Subtracted per feature (zeros when not centering).</summary>
    public double[] Means { get; }
    /// <summary>Divisor per feature.</summary>
    public double[] Scales { get; }

    /// <summary>Computes the statistics over all ranks' rows.</summary>
    public static FeatureScaling Compute(DataShard shard, long totalRows, ICommunicator communicator, bool center,
        Summation summation)
    {
        int d = shard.FeatureCount;
        if (shard.Features is SparseFeatureMatrix<double> doubles)
            return ComputeSparse(doubles, totalRows, communicator, summation);
        if (shard.Features is SparseFeatureMatrix<float> singles)
            return ComputeSparse(singles, totalRows, communicator, summation);
        var means = new double[d];
        if (center) ColumnSums(shard, communicator, summation, means, null, totalRows);
        var variances = new double[d];
        ColumnSums(shard, communicator, summation, variances, means, totalRows);
        var scales = variances.Select(v => v > 0 ? Math.Sqrt(v) : 1.0).ToArray();
        return new FeatureScaling(means, scales);
    }

    /// <summary>Scales only: σⱼ² = Σᵢ (xᵢⱼ − μⱼ)² / m over every row, zeros included, from sums over the nonzeros
    /// (Σ over the entries of x and of (x − μ)², the entry counts, then (m − countⱼ)·μⱼ² for the zeros).</summary>
    private static FeatureScaling ComputeSparse<T>(SparseFeatureMatrix<T> matrix, long totalRows,
        ICommunicator communicator, Summation summation)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        int d = matrix.Features;
        var first = VectorSums.CreateSparse(summation, 2 * d);
        var second = VectorSums.CreateSparse(summation, d);
        var indices = matrix.Indices;
        var values = matrix.Values;
        for (int k = 0; k < indices.Length; k++)
        {
            first.Add(indices[k], double.CreateTruncating(values[k]));
            first.Add(d + indices[k], 1);
        }
        var totals = new double[2 * d];
        first.Allreduce(communicator, totals);
        double m = Math.Max(totalRows, 1);
        var means = new double[d];
        for (int j = 0; j < d; j++) means[j] = totals[j] / m;
        for (int k = 0; k < indices.Length; k++)
        {
            double centered = double.CreateTruncating(values[k]) - means[indices[k]];
            second.Add(indices[k], centered * centered);
        }
        var squares = new double[d];
        second.Allreduce(communicator, squares);
        var scales = new double[d];
        for (int j = 0; j < d; j++)
        {
            double variance = (squares[j] + (totalRows - totals[d + j]) * means[j] * means[j]) / m;
            scales[j] = variance > 0 ? Math.Sqrt(variance) : 1.0;
        }
        return new FeatureScaling(new double[d], scales);
    }

    /// <summary>result[j] = Σᵢ xᵢⱼ / totalRows, or with <paramref name="means"/> Σᵢ (xᵢⱼ − μⱼ)² / totalRows; each row's
    /// terms are deposited as one vector (exact sums: in any order, the same result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnSums(DataShard shard, ICommunicator communicator, Summation summation, double[] result,
        double[]? means, long totalRows)
    {
        int d = shard.FeatureCount, lanes = System.Numerics.Vector<double>.Count;
        var sum = VectorSums.Create(summation, d);
        var row = new double[d];
        var rows = shard.Features;
        for (int i = 0; i < shard.Rows; i++)
        {
            rows.CopyRow(i, row);
            if (means is not null)
            {
                int j = 0;
                for (; j <= d - lanes; j += lanes)
                {
                    var centered = new System.Numerics.Vector<double>(row,
                        j) - new System.Numerics.Vector<double>(means, j);
                    (centered * centered).CopyTo(row, j);
                }
                for (; j < d; j++) row[j] = (row[j] - means[j]) * (row[j] - means[j]);
            }
            sum.Add(row);
        }
        sum.Allreduce(communicator, result);
        for (int j = 0; j < d; j++) result[j] /= Math.Max(totalRows, 1);
    }

    /// <summary>Standardizes the shard's features in place (a float32 shard keeps float32: the standardized values are
    /// rounded to float32, a relative error of at most 2^-24 each, like the storage itself).</summary>
    public void Apply(DataShard shard) => shard.Features.Standardize(Means, Scales);

    /// <summary>Maps θ' fitted on standardized features to θ on raw features, for each weight vector of
    /// <paramref name="layout"/>: w = w'/σ, b = b' − Σ w'μ/σ.</summary>
    public double[] ToOriginalScale(ReadOnlySpan<double> scaled, ParameterLayout layout)
    {
        int d = Means.Length;
        var original = scaled.ToArray();
        for (int k = 0; k < layout.Outputs; k++)
        {
            var w = layout.WeightsOf(original.AsSpan(), k);
            var source = layout.WeightsOf(scaled, k);
            double shift = 0;
            for (int j = 0; j < d; j++)
            {
                w[j] = source[j] / Scales[j];
                shift += w[j] * Means[j];
            }
            if (layout.FitIntercept) layout.Intercepts(original.AsSpan())[k] = layout.Intercepts(scaled)[k] - shift;
        }
        return original;
    }
}
