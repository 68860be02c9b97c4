using MpiDescent.Data;
using MpiDescent.Model;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Metrics;

/// <summary>The scores z_k = x·w_k + b_k of a model for every row of a shard, whatever its layout (local: no
/// communication).</summary>
public static class ModelScores
{
    /// <summary>scores[i·K + k] for the shard's rows.</summary>
    public static double[] Compute(LinearModel model, DataShard shard)
    {
        var layout = model.Layout;
        if (layout.Features != shard.FeatureCount)
            throw new ArgumentException($"a model of {layout.Features} features for rows of {shard.FeatureCount}");
        var scores = new double[(long)shard.Rows * layout.Outputs];
        var intercepts = new double[layout.Outputs];
        layout.CopyIntercepts(model.Parameters, intercepts);
        var visitor = new ScoresVisitor(layout.Weights(model.Parameters).ToArray(), intercepts, layout.Outputs, scores);
        const int rowsPerCall = 4096;
        for (int first = 0; first < shard.Rows; first += rowsPerCall)
        {
            visitor.First = first;
            shard.Features.Accept(ref visitor, first, Math.Min(rowsPerCall, shard.Rows - first));
        }
        return scores;
    }

    private struct ScoresVisitor(double[] weights, double[] intercepts, int outputs, double[] scores) : IRowBlockVisitor
    {
        public int First;

        public readonly void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            LinearPass.Scores(rows, weights, intercepts, outputs, scores.AsSpan(First * outputs, rows.Count * outputs));
    }
}
