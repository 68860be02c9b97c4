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
        var (weights, intercepts) = Coefficients(model, shard);
        var scores = new double[(long)shard.Rows * intercepts.Length];
        var visitor = new ScoresVisitor(weights, intercepts, intercepts.Length, scores);
        for (int first = 0; first < shard.Rows; first += RowsPerCall)
        {
            visitor.First = first;
            shard.Features.Accept(ref visitor, first, Math.Min(RowsPerCall, shard.Rows - first));
        }
        return scores;
    }

    /// <summary>scores[q·K + k] for the shard's rows <paramref name="rows"/> alone (increasing local row numbers):
    /// each row's margins are the same bits as <see cref="Compute(LinearModel, DataShard)"/> gives it, since a row's
    /// margin never depends on the rows around it (<see cref="IRowBlock.Margin"/>).</summary>
    public static double[] Compute(LinearModel model, DataShard shard, ReadOnlySpan<int> rows)
    {
        var (weights, intercepts) = Coefficients(model, shard);
        var scores = new double[(long)rows.Length * intercepts.Length];
        var visitor = new SelectedScoresVisitor(weights, intercepts, intercepts.Length, rows.ToArray(), scores);
        for (int q = 0; q < rows.Length;)
        {
            // The selected rows of one call: all those before its end, which starts at the next selected row.
            int first = rows[q], end = (int)Math.Min((long)first + RowsPerCall, shard.Rows), next = q;
            while (next < rows.Length && rows[next] < end) next++;
            (visitor.First, visitor.Start, visitor.End) = (first, q, next);
            shard.Features.Accept(ref visitor, first, end - first);
            q = next;
        }
        return scores;
    }

    /// <summary>Rows per call of the rows' layout.</summary>
    private const int RowsPerCall = 4096;

    /// <summary>The model's weights (K × d) and intercepts (K), checked against the shard's features.</summary>
    private static (double[] Weights, double[] Intercepts) Coefficients(LinearModel model, DataShard shard)
    {
        var layout = model.Layout;
        if (layout.Features != shard.FeatureCount)
            throw new ArgumentException($"a model of {layout.Features} features for rows of {shard.FeatureCount}");
        var intercepts = new double[layout.Outputs];
        layout.CopyIntercepts(model.Parameters, intercepts);
        return (layout.Weights(model.Parameters).ToArray(), intercepts);
    }

    private struct SelectedScoresVisitor(double[] weights, double[] intercepts, int outputs, int[] rows,
        double[] scores) : IRowBlockVisitor
    {
        public int First, Start, End;

        public readonly void Visit<TRows>(TRows block) where TRows : IRowBlock, allows ref struct
        {
            int d = block.Features;
            for (int q = Start; q < End; q++)
                for (int k = 0; k < outputs; k++)
                    scores[q * outputs + k] = block.Margin(rows[q] - First, weights.AsSpan(k * d, d)) + intercepts[k];
        }
    }

    private struct ScoresVisitor(double[] weights, double[] intercepts, int outputs, double[] scores) : IRowBlockVisitor
    {
        public int First;

        public readonly void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            LinearPass.Scores(rows, weights, intercepts, outputs, scores.AsSpan(First * outputs, rows.Count * outputs));
    }
}
