using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

public class RowPartitionTests
{
    private static readonly long[] RowCounts = [0, 1, 2, 5, 6, 7, 442, 1000, 4097, 262_144, 1_000_003];

    [Test]
    public void RowsOf_AnyRankCount_CoversEveryRowExactlyOnceInOrder([Range(1, 7)] int ranks)
    {
        foreach (long rows in RowCounts)
        {
            var partition = new RowPartition(rows, ranks);
            long expectedStart = 0;
            for (int r = 0; r < ranks; r++)
            {
                var (start, end) = partition.RowsOf(r);
                Assert.That(start, Is.EqualTo(expectedStart), $"rows {rows}, rank {r}");
                Assert.That(end, Is.GreaterThanOrEqualTo(start));
                Assert.That(start % partition.BlockRows == 0 || start == rows, Is.True,
                    "slices start on block boundaries");
                expectedStart = end;
            }
            Assert.That(expectedStart, Is.EqualTo(rows));
        }
    }

    [Test]
    public void BlocksOf_AnyRankCount_BalancedWithinOneBlock([Range(1, 7)] int ranks)
    {
        foreach (long rows in RowCounts)
        {
            var partition = new RowPartition(rows, ranks);
            var sizes = Enumerable.Range(0, ranks).Select(r => partition.BlocksOf(r)).Select(b =>
                b.End - b.Start).ToArray();
            Assert.That(sizes.Max() - sizes.Min(), Is.LessThanOrEqualTo(1), $"rows {rows}");
        }
    }

    [Test]
    public void RowsOf_FewerRowsThanRanks_ExtraRanksGetEmptySlices()
    {
        var partition = new RowPartition(3, 7);
        var sizes = Enumerable.Range(0, 7).Select(r => partition.RowsOf(r)).Select(s => s.End - s.Start).ToArray();
        Assert.That(sizes, Is.EqualTo(new long[] { 1, 1, 1, 0, 0, 0, 0 }));
    }

    [Test]
    public void BlockRowsFor_DependsOnRowCountOnly_PowerOfTwoUpTo1024()
    {
        Assert.That(RowPartition.BlockRowsFor(442), Is.EqualTo(1));
        Assert.That(RowPartition.BlockRowsFor(10_000), Is.EqualTo(32));
        Assert.That(RowPartition.BlockRowsFor(100_000_000), Is.EqualTo(1024));
        foreach (int ranks in new[] { 1, 2, 3, 16, 512 })
            Assert.That(new RowPartition(1_000_000, ranks).BlockRows, Is.EqualTo(1024));
    }
}
