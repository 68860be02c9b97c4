namespace MpiDescent.Tests.Integration;

/// <summary>A rank that stops answering (frozen node, SIGSTOP, a hang in I/O) ends the job with the ranks that did not
/// arrive named and exit code 7, also when a stop signal comes while it is stalled (issue 16, point 8).</summary>
[NonParallelizable]
public class StallTests
{
    private string _dir = "";
    private string _data = "";

    [SetUp]
    public void SetUp()
    {
        _dir = TestData.TempDirectory();
        _data = Path.Combine(_dir, "stall-data.bin");
        Assert.That(MpiJob.Run(0, "generate", _data, "--rows", "3000", "--features", "4").ExitCode, Is.EqualTo(0));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string[] LongRun(params string[] extra) =>
        ["train", _data, "--max-iterations", "1000000", "--tolerance", "0", "--quiet", "--model",
            Path.Combine(_dir, "m.json"), .. extra];

    [Test]
    public void Train_RankStallsInsideTheLoop_EndsWithExit7NamingIt()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = MpiJob.Run(3, LongRun("--stall-timeout", "2"),
            new Dictionary<string, string> { ["MPIDESCENT_FAULT"] = "2:3:stall" }, timeoutSeconds: 60);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Stalled), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("the job stalled: rank 2 did not arrive"), outcome.ToString());
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void Train_OneRankStoppedWithSigstop_EndsWithExit7NamingAStoppedRank()
    {
        var job = MpiJob.Start(3, LongRun("--stall-timeout", "3"), timeoutSeconds: 90);
        int[] ranks = [];
        for (int i = 0; i < 100 && ranks.Length < 3; i++)
        {
            Thread.Sleep(100);
            ranks = MpiJob.Running.RankProcesses(_data);
        }
        Assert.That(ranks, Has.Length.EqualTo(3), "the three ranks are running");
        Thread.Sleep(1500); // inside the iterations
        MpiJob.Signal(ranks.Max(), "STOP");
        var outcome = job.Wait(60);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Stalled), outcome.ToString());
        Assert.That(outcome.Errors, Does.Match(@"the job stalled: rank \d did not arrive"), outcome.ToString());
    }

    [Test]
    public void Train_SigtermWhileARankIsStalled_EndsWithinSecondsWithoutSigkill()
    {
        var job = MpiJob.Start(3, LongRun(), new Dictionary<string, string> { ["MPIDESCENT_FAULT"] = "2:3:stall" },
            timeoutSeconds: 120);
        Thread.Sleep(4000); // the default stall timeout (15 minutes) is far away
        var watch = System.Diagnostics.Stopwatch.StartNew();
        MpiJob.Signal(MpiJob.Running.Launcher(_data), "TERM"); // mpiexec forwards it to the ranks
        var outcome = job.Wait(60);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "ended by the watchdog, not a kill");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Stalled), outcome.ToString());
        Assert.That(outcome.Errors,
            Does.Contain("rank 2 did not arrive").And.Contain("a stop was requested by a signal"),
            outcome.ToString());
    }
}
