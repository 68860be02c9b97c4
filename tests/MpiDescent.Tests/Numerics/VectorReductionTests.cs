using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Numerics;

/// <summary>A reduce-scatter of a vector sum gives each rank exactly (bit for bit) the totals an Allreduce gives for
/// its segment, for exact and plain sums, with segments of every size (empty ones too) at 1, 2, 3 and 7
/// ranks.</summary>
public class VectorReductionTests
{
    private static double Value(int rank, int block, int i) =>
        Math.ScaleB((rank + 1) * 0.123456789 + block - i * 0.5, (i * 7 + block) % 40 - 20);

    [Test]
    public void ReduceScatter_AnySegments_EqualsAllreduceSegment([Values(1, 2, 3, 7)] int ranks,
        [Values(1, 5, 103)] int length, [Values] Summation summation)
    {
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var all = new double[length];
            var sum = VectorSums.Create(summation, length);
            var second = VectorSums.Create(summation, length);
            for (int block = 0; block < 5; block++)
            {
                var values = Enumerable.Range(0, length).Select(i => Value(comm.Rank, block, i)).ToArray();
                sum.Add(values);
                second.Add(values);
            }
            sum.Allreduce(comm, all);
            var layout = BlockLayout.Even(length, comm.Size, ExactVectorSum.GroupElements);
            var mine = new double[layout.Counts[comm.Rank]];
            second.ReduceScatter(comm, layout, mine);
            return (all, mine, layout);
        });
        foreach (var (rank, (all, mine, layout)) in results.Select((r, k) => (k, r)))
            Assert.That(mine, Is.EqualTo(all.AsSpan((int)layout.Start(rank), layout.Counts[rank]).ToArray()),
                $"rank {rank}");
    }

    [Test]
    public void ReduceScatter_SegmentNotOnAGroupBoundary_Throws()
    {
        var sum = new ExactVectorSum(10);
        var layout = new BlockLayout([3, 7]);
        Assert.Throws<AggregateException>(() => ThreadedCommunicator.Run(2, comm =>
        {
            sum.ReduceScatter(comm, layout, new double[layout.Counts[comm.Rank]]);
            return 0;
        }));
    }
}
