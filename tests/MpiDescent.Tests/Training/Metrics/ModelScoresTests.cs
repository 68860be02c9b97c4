using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Model;

namespace MpiDescent.Tests.Training.Metrics;

/// <summary>Scores of selected rows (cross-validation scores each model's held-out fold alone): the same bits as the
/// scores of every row, for dense float64 and float32 rows and sparse rows, one and several outputs, over more rows
/// than one call of the scorer takes.</summary>
public class ModelScoresTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var layout in new[] { "dense64", "dense32", "sparse" })
            foreach (int outputs in new[] { 1, 3 })
                yield return new TestCaseData(layout, outputs);
    }

    [TestCaseSource(nameof(Cases))]
    public void Compute_SelectedRows_SameBitsAsEveryRowsScores(string layout, int outputs)
    {
        const int rows = 9000, features = 13;
        var (x, y) = Shards.SparseSynthetic(rows, features, 0.4, seed: 5, LossKind.Squared);
        var comm = new SingleProcessCommunicator();
        var shard = layout switch
        {
            "sparse" => Shards.SparseFor(comm, x, y, features).Shard,
            "dense32" => DataShard.FromArrays(new DataFileHeader(rows, features, ElementType.Float32,
                DataFileHeader.DefaultChecksumBlockRows, [], 0), 0, x.Select(v => (float)v).ToArray(), y),
            _ => Shards.For(comm, x, y, features).Shard,
        };
        var random = new Random(outputs);
        var parameterLayout = new ParameterLayout(features, outputs);
        var parameters = Enumerable.Range(0, parameterLayout.Dimension).Select(_ => random.NextDouble() - 0.5)
            .ToArray();
        var model = new LinearModel(outputs == 1 ? LossKind.Squared : LossKind.Softmax, parameterLayout, parameters);
        var all = ModelScores.Compute(model, shard);
        // Rows spread over the scorer's calls of 4096 rows: a fold, runs, the first and the last row.
        var selected = Enumerable.Range(0, rows).Where(i => i % 5 == 2 || (i >= 4090 && i < 4100) || i == 0
            || i == rows - 1).ToArray();
        var scores = ModelScores.Compute(model, shard, selected);
        Assert.That(scores, Has.Length.EqualTo(selected.Length * outputs));
        for (int q = 0; q < selected.Length; q++)
            for (int k = 0; k < outputs; k++)
                Assert.That(scores[q * outputs + k], Is.EqualTo(all[selected[q] * outputs + k]),
                    $"row {selected[q]}, output {k}");
        Assert.That(ModelScores.Compute(model, shard, []), Is.Empty);
    }
}
