using MpiDescent.Communication;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.Communication;

/// <summary>Every collective of every communicator against values each rank computes by itself
/// (<see cref="CollectiveSelfTest"/>): uneven and empty segments, every root, messages in pieces.</summary>
public class CollectiveTests
{
    [Test]
    public void SelfTest_ThreadedCommunicator_AllChecksPass([Values(1, 2, 3, 7)] int ranks)
    {
        var results = ThreadedCommunicator.Run(ranks, CollectiveSelfTest.Run);
        foreach (var (failures, checks) in results)
        {
            Assert.That(failures, Is.Empty);
            Assert.That(checks, Is.GreaterThan(30));
        }
    }

    [Test]
    public void SelfTest_SingleProcessCommunicator_AllChecksPass()
    {
        var (failures, _) = CollectiveSelfTest.Run(new SingleProcessCommunicator());
        Assert.That(failures, Is.Empty);
    }

    /// <summary>The MPI communicator under mpiexec.mpich, with a 4 KB message limit so that the larger reductions,
    /// reduce-scatters, gathers and broadcasts go in many pieces.</summary>
    [Test, NonParallelizable]
    public void SelfTest_MpiCommunicatorInPieces_AllChecksPass([Values(1, 2, 3, 7)] int ranks)
    {
        var outcome = MpiJob.Run(ranks, ["selftest", "--no-timing"], new Dictionary<string,
            string>
        { ["MPIDESCENT_MAX_MESSAGE_BYTES"] = "4096" },
            timeoutSeconds: 300);
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"checks passed on {ranks} rank").And.Contain("(MpiCommunicator)"));
    }

    [Test]
    public void BlockLayout_Even_SegmentsAlignedAndCovering([Values(0, 1, 7, 1000, 1003)] long total,
        [Values(1, 3, 7)] int ranks, [Values(1, 4)] int unit)
    {
        var layout = BlockLayout.Even(total, ranks, unit);
        Assert.That(layout.Total, Is.EqualTo(total));
        Assert.That(layout.Segments, Is.EqualTo(ranks));
        for (int r = 0; r < ranks; r++)
        {
            Assert.That(layout.Start(r) % unit == 0 || layout.Start(r) == total, $"segment {r} starts aligned");
            Assert.That(layout.End(r) - layout.Start(r), Is.EqualTo(layout.Counts[r]));
        }
        var units = layout.Counts.Select(c => (c + unit - 1) / unit).ToArray();
        Assert.That(units.Max() - units.Min(), Is.LessThanOrEqualTo(1));
        for (long i = 0; i < total; i++)
        {
            int r = layout.SegmentOf(i);
            Assert.That(i, Is.GreaterThanOrEqualTo(layout.Start(r)).And.LessThan(layout.End(r)));
        }
    }
}
