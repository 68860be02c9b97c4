using System.Text.Json;

namespace MpiDescent.Tests.Integration;

/// <summary>The run's status file says how it ended whatever the launcher returned; a completed run retires its
/// checkpoint; a signal before the first iteration and a FIFO as the data file end promptly (issue 16, points 6 and
/// 7).</summary>
[NonParallelizable]
public class StatusTests
{
    private string _dir = "";
    private string _data = "";

    [SetUp]
    public void SetUp()
    {
        _dir = TestData.TempDirectory();
        _data = Path.Combine(_dir, "status-data.bin");
        Assert.That(MpiJob.Run(0, "generate", _data, "--rows", "3000", "--features", "4").ExitCode, Is.EqualTo(0));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Model => Path.Combine(_dir, "m.json");
    private string StatusPath => Path.Combine(_dir, "m.status.json");
    private string Checkpoint => Path.Combine(_dir, "m.checkpoint.json");

    private (string State, int? ExitCode, string? Checkpoint, string Message) Status()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(StatusPath));
        var root = json.RootElement;
        Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("mpidescent-status"));
        var code = root.GetProperty("exitCode");
        var checkpoint = root.GetProperty("checkpoint");
        return (root.GetProperty("state").GetString()!, code.ValueKind == JsonValueKind.Null ? null : code.GetInt32(),
            checkpoint.ValueKind == JsonValueKind.Null ? null : checkpoint.GetString(),
            root.GetProperty("message").GetString()!);
    }

    [Test]
    public void Train_SigtermToTheLauncher_StatusSaysInterruptedWithTheCheckpoint()
    {
        var job = MpiJob.Start(2, ["train", _data, "--model", Model, "--max-iterations", "1000000", "--tolerance", "0",
            "--quiet"]);
        for (int i = 0; i < 100 && !(File.Exists(StatusPath) && Status().State == "running"); i++) Thread.Sleep(100);
        Thread.Sleep(1000);
        MpiJob.Signal(MpiJob.Running.Launcher(_data), "TERM");
        job.Wait(60); // Hydra's own exit status may be 0 or 5 here: the status file is what tells
        var (state, code, checkpoint, _) = Status();
        Assert.That((state, code), Is.EqualTo(("interrupted", (int?)ExitCodes.Interrupted)));
        Assert.That(checkpoint, Is.EqualTo(Checkpoint));
        Assert.That(File.Exists(Checkpoint), Is.True);
        Assert.That(File.Exists(Model), Is.False, "no model from an interrupted run");
    }

    [Test]
    public void Train_CompletedRunWithCheckpoints_RetiresTheCheckpointAndSaysCompleted()
    {
        var outcome = MpiJob.Run(2, "train", _data, "--model", Model, "--max-iterations", "20", "--tolerance", "0",
            "--checkpoint-every", "5");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(Status(), Is.EqualTo(("completed", (int?)0, (string?)null, Status().Message)));
        Assert.That(File.Exists(Checkpoint), Is.False, "a resubmission must not resume a finished run");
        Assert.That(File.Exists(Checkpoint + ".completed"), Is.True);
        Assert.That(outcome.Output, Does.Contain("retired as"));
    }

    [Test]
    public void Train_BadDataFile_StatusSaysFailedWithTheExitCode()
    {
        File.WriteAllText(_data, "not a data file");
        var outcome = MpiJob.Run(2, "train", _data, "--model", Model);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
        var (state, code, checkpoint, _) = Status();
        Assert.That((state, code, checkpoint), Is.EqualTo(("failed", (int?)ExitCodes.BadInput, (string?)null)));
    }

    [Test]
    public void Train_SignalBeforeLoading_ExitsInterruptedWithNothingToResume()
    {
        var outcome = MpiJob.Run(2, ["train", _data, "--model", Model], new Dictionary<string, string>
        {
            ["MPIDESCENT_SIGNAL"] = "1:load",
        });
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Interrupted), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("interrupted by a signal while loading"));
        var (state, code, checkpoint, _) = Status();
        Assert.That((state, code, checkpoint), Is.EqualTo(("interrupted", (int?)ExitCodes.Interrupted, (string?)null)));
    }

    [Test]
    public void Train_DataFileIsAFifo_RefusedAtOnce()
    {
        var fifo = Path.Combine(_dir, "pipe.bin");
        Assert.That(MpiJob.RunCommand(["mkfifo", fifo]).ExitCode, Is.EqualTo(0));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = MpiJob.Run(2, ["train", fifo, "--model", Model], timeoutSeconds: 30);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("is a named pipe (FIFO), not a regular file"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
