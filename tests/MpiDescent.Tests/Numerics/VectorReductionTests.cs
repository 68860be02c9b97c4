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
    public void ReduceScatter_WithTail_SegmentsAndTailEqualAllreduce([Values(1, 2, 3, 7)] int ranks,
        [Values(13, 103)] int length, [Values] bool windowed, [Values] Summation summation)
    {
        const int tail = 5; // a loss and other scalars after the gradient, delivered to every rank
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            IVectorSum Create() => windowed ? VectorSums.CreateSparse(summation, length + tail)
                : VectorSums.Create(summation, length + tail);
            var (sum, second) = (Create(), Create());
            for (int block = 0; block < 5; block++)
                for (int i = (comm.Rank + block) % 3; i < length + tail; i += 2) // sparse, uneven deposits
                {
                    sum.Add(i, Value(comm.Rank, block, i));
                    second.Add(i, Value(comm.Rank, block, i));
                }
            var all = new double[length + tail];
            sum.Allreduce(comm, all);
            // The segments end on a group boundary: the last one is padded past the length to it.
            int head = (length + 3) / 4 * 4;
            var layout = BlockLayout.Even(head, comm.Size, ExactVectorSum.GroupElements);
            var mine = new double[layout.Counts[comm.Rank]];
            var rest = new double[length + tail - head];
            second.ReduceScatter(comm, layout, mine, rest);
            return (all, mine, rest, layout);
        });
        foreach (var (rank, (all, mine, rest, layout)) in results.Select((r, k) => (k, r)))
        {
            var expected = all.AsSpan((int)layout.Start(rank), layout.Counts[rank]).ToArray();
            if (summation == Summation.Plain) Assert.That(mine, Is.EqualTo(expected).Within(1e-9), $"rank {rank}");
            else Assert.That(mine, Is.EqualTo(expected), $"rank {rank}, bit for bit");
            Assert.That(rest, Is.EqualTo(all[(int)layout.Total..]).Within(summation == Summation.Plain ? 1e-9 : 0));
        }
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

    [Test]
    public void AllreduceMany_SumsOfEachKind_EachTheBitsOfItsOwnAllreduce([Values(1, 2, 3, 7)] int ranks,
        [Values] bool windowed, [Values] Summation summation)
    {
        int[] lengths = [13, 1, 103, 8];
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            IVectorSum Create(int length) => windowed ? VectorSums.CreateSparse(summation, length)
                : VectorSums.Create(summation, length);
            var many = lengths.Select(Create).ToArray();
            var alone = lengths.Select(Create).ToArray();
            for (int s = 0; s < lengths.Length; s++)
                for (int block = 0; block < 5; block++)
                {
                    var values = Enumerable.Range(0, lengths[s]).Select(i => Value(comm.Rank, block + s, i)).ToArray();
                    many[s].Add(values);
                    alone[s].Add(values);
                }
            var together = lengths.Select(n => new double[n]).ToArray();
            VectorReduction.AllreduceMany(many, comm, together);
            var separately = lengths.Select(n => new double[n]).ToArray();
            for (int s = 0; s < lengths.Length; s++) alone[s].Allreduce(comm, separately[s]);
            return (together, separately);
        });
        foreach (var (together, separately) in results)
            for (int s = 0; s < lengths.Length; s++)
                if (summation == Summation.Reproducible || ranks <= 2)
                    Assert.That(together[s], Is.EqualTo(separately[s]), $"sum {s}");
                else
                    Assert.That(together[s], Is.EqualTo(separately[s]).Within(1e-12).Percent, $"sum {s}");
    }
}
