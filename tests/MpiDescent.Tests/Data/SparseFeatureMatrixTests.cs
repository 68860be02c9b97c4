using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>The distinct features of a block of sparse rows (what a sparse pass deposits once per block).</summary>
public class SparseFeatureMatrixTests
{
    private static SparseFeatureMatrix<double> Matrix(int[][] rows, int features)
    {
        var offsets = new long[rows.Length + 1];
        for (int i = 0; i < rows.Length; i++) offsets[i + 1] = offsets[i] + rows[i].Length;
        var indices = rows.SelectMany(r => r).ToArray();
        return new SparseFeatureMatrix<double>(offsets, indices, indices.Select(j => 1.0 + j).ToArray(), features);
    }

    [Test]
    public void DistinctFeatures_RowsOfABlock_EachFeatureOnceInIncreasingOrder()
    {
        var random = new Random(4);
        var rows = Enumerable.Range(0, 60).Select(_ => Enumerable.Range(0, 200).OrderBy(_ => random.Next())
            .Take(random.Next(0, 12)).Order().ToArray()).ToArray();
        var matrix = Matrix(rows, 200);
        foreach (int blockRows in new[] { 1, 16, 60, 64 })
        {
            var blocks = matrix.DistinctFeaturesOfBlocks(blockRows);
            Assert.That(blocks, Has.Length.EqualTo((60 + blockRows - 1) / blockRows));
            for (int b = 0; b < blocks.Length; b++)
            {
                int first = b * blockRows, end = Math.Min(60, first + blockRows);
                var expected = rows[first..end].SelectMany(r => r).Distinct().Order().ToArray();
                Assert.That(blocks[b], Is.EqualTo(expected), $"blocks of {blockRows}, block {b}");
            }
            Assert.That(matrix.DistinctFeaturesOfBlocks(blockRows), Is.SameAs(blocks), "computed once and kept");
        }
    }

    [Test]
    public void DistinctFeatures_AfterRenumbering_TheLocalNumbers()
    {
        var matrix = Matrix([[3, 90], [3, 40], [40, 150]], 200);
        Assert.That(matrix.DistinctFeaturesOfBlocks(4)[0], Is.EqualTo(new[] { 3, 40, 90, 150 }));
        Assert.That(matrix.RenumberFeatures(), Is.EqualTo(new[] { 3, 40, 90, 150 }));
        Assert.That(matrix.DistinctFeaturesOfBlocks(4)[0], Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(matrix.DistinctFeaturesOfBlocks(2)[1], Is.EqualTo(new[] { 1, 3 }));
    }

    [Test]
    public void DistinctFeatures_DenseRows_None()
    {
        var dense = DenseFeatureMatrix<double>.From(new double[12], 3);
        Assert.That(dense.DistinctFeaturesOfBlocks(2), Is.Null);
    }
}
