using MpiDescent.Numerics;

namespace MpiDescent.Tests.Numerics;

public class GramKernelTests
{
    /// <summary>The packed, tiled kernel against the plain triple loop with the same per-entry operations (fused
    /// multiply-add of the rows in order): equal bit for bit, for widths that leave partial tiles and strips.</summary>
    [Test]
    public void Accumulate_AnyShape_BitwiseEqualsTheUnblockedLoop([Values(1, 3, 5, 12, 13, 64, 100)] int d, [Values(1,
        7, 300, 1024)] int rows,
        [Values] bool float32)
    {
        var random = new Random(d * 1000 + rows);
        var values = Enumerable.Range(0, rows * d).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        if (float32) values = values.Select(v => (double)(float)v).ToArray();
        var singles = values.Select(v => (float)v).ToArray();
        var kernel = new GramKernel(d);
        kernel.Compute(new DenseRows<double>(Enumerable.Repeat(9.0, d).ToArray(),
            d)); // left over from an earlier block
        // Two calls: the second continues each entry's chain from the first's result.
        int half = rows / 2;
        if (float32)
        {
            var all = new DenseRows<float>(singles, d);
            kernel.Compute(all.Slice(0, half));
            kernel.Add(all.Slice(half, rows - half));
        }
        else
        {
            var all = new DenseRows<double>(values, d);
            kernel.Compute(all.Slice(0, half));
            kernel.Add(all.Slice(half, rows - half));
        }
        var tiles = kernel.Tiles.ToArray();
        for (int j = 0; j < d; j++)
            for (int k = j; k < d; k++)
            {
                double expected = 0;
                for (int i = 0; i < rows; i++) expected = Math.FusedMultiplyAdd(values[i * d + j], values[i * d + k],
                    expected);
                Assert.That(kernel.Entry(j, k), Is.EqualTo(expected), $"entry ({j}, {k})");
                Assert.That(kernel.EntryOf(tiles, j, k), Is.EqualTo(expected));
            }
        Assert.That(tiles.Length, Is.LessThan(1.5 * d * (d + 1) / 2 + 256),
            "only the tiles on or above the diagonal are kept");
    }
}
