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
        foreach (var (first, count) in new[] { (0, 60), (0, 16), (16, 16), (59, 1), (7, 0) })
        {
            var expected = rows[first..(first + count)].SelectMany(r => r).Distinct().Order().ToArray();
            Assert.That(matrix.DistinctFeatures(first, count), Is.EqualTo(expected), $"rows {first}+{count}");
            Assert.That(matrix.DistinctFeatures(first, count), Is.SameAs(matrix.DistinctFeatures(first, count)),
                "computed once and kept");
        }
    }

    [Test]
    public void DistinctFeatures_AfterRenumbering_TheLocalNumbers()
    {
        var matrix = Matrix([[3, 90], [3, 40], [40, 150]], 200);
        Assert.That(matrix.DistinctFeatures(0, 3), Is.EqualTo(new[] { 3, 40, 90, 150 }));
        Assert.That(matrix.RenumberFeatures(), Is.EqualTo(new[] { 3, 40, 90, 150 }));
        Assert.That(matrix.DistinctFeatures(0, 3), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(matrix.DistinctFeatures(1, 2), Is.EqualTo(new[] { 0, 1, 3 }));
    }

    [Test]
    public void DistinctFeatures_DenseRows_None()
    {
        var dense = DenseFeatureMatrix<double>.From(new double[12], 3);
        Assert.That(dense.DistinctFeatures(0, 4), Is.Null);
    }
}
