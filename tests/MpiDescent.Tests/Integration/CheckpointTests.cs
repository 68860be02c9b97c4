using System.Diagnostics;
using System.Text.Json;

namespace MpiDescent.Tests.Integration;

/// <summary>Checkpoint, preemption and resume: an interrupted and resumed run ends with bitwise the uninterrupted
/// model, at another rank count too; a killed rank ends the job promptly and leaves a resumable checkpoint.</summary>
[NonParallelizable]
public class CheckpointTests
{
    private string _dir = "";
    private string _data = "";

    [OneTimeSetUp]
    public void Convert()
    {
        _dir = TestData.TempDirectory();
        _data = Path.Combine(_dir, "diabetes.bin");
        Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, _data).ExitCode, Is.EqualTo(0));
    }

    [OneTimeTearDown]
    public void CleanUp() => Directory.Delete(_dir, recursive: true);

    private static string Weights(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(model));
        return json.RootElement.GetProperty("weights").GetRawText()
            + json.RootElement.GetProperty("intercept").GetRawText();
    }

    private MpiJob.Outcome Train(int ranks, string model, string[] options, Dictionary<string, string>? env = null) =>
        MpiJob.Run(ranks, new[] { "train", _data, "--model", Path.Combine(_dir, model), "--standardize", "--tolerance",
            "0" }.Concat(options), env);

    [TestCase("gd", new[] { "--max-iterations", "120" }, 40)]
    [TestCase("sgd", new[] { "--epochs", "4", "--batch-size", "16", "--seed", "9" }, 2)]
    [TestCase("lbfgs", new[] { "--max-iterations", "40" }, 12)]
    [TestCase("adam", new[] { "--max-iterations", "60" }, 20)]
    [TestCase("nesterov", new[] { "--max-iterations", "60" }, 20)]
    [TestCase("newton", new[] { "--max-iterations", "6" }, 3)]
    public void Train_SignalOnOneRankThenResumeAtOtherRankCount_BitwiseEqualsUninterrupted(string solver,
        string[] options, int signalAt)
    {
        var all = new[] { "--solver", solver, "--quiet" }.Concat(options).ToArray();
        var full = Train(2, $"{solver}-full.json", all);
        Assert.That(full.ExitCode, Is.EqualTo(0), full.ToString());

        var checkpoint = Path.Combine(_dir, $"{solver}-ck.json");
        var stopped = Train(2, $"{solver}-part.json", all.Append("--checkpoint").Append(checkpoint).ToArray(),
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = $"1:{signalAt}" });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        Assert.That(stopped.Output, Does.Contain("--resume " + checkpoint));
        Assert.That(File.Exists(Path.Combine(_dir, $"{solver}-part.json")), Is.False,
            "no model from an interrupted run");

        var resumed = Train(3, $"{solver}-part.json", all.Append("--resume").Append(checkpoint).ToArray());
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Weights(Path.Combine(_dir, $"{solver}-part.json")), Is.EqualTo(Weights(Path.Combine(_dir,
            $"{solver}-full.json"))));
    }

    /// <summary>dcd's checkpoint gathers every rank's dual variables: a run stopped at 2 ranks resumes at 3 and ends
    /// with the uninterrupted run's model, bit for bit.</summary>
    [Test]
    public void Train_DcdSignalThenResumeAtOtherRankCount_BitwiseEqualsUninterrupted()
    {
        var data = Path.Combine(_dir, "cancer.bin");
        Assert.That(MpiJob.Run(0, "convert", Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
            "breast_cancer.csv"), data).ExitCode, Is.EqualTo(0));
        string[] options = ["train", data, "--solver", "dcd", "--loss", "hinge", "--l2", "0.003", "--standardize",
            "--tolerance", "0", "--max-iterations", "30", "--seed", "4", "--quiet"];
        var full = MpiJob.Run(2, options.Append("--model").Append(Path.Combine(_dir, "dcd-full.json")));
        Assert.That(full.ExitCode, Is.EqualTo(0), full.ToString());
        var checkpoint = Path.Combine(_dir, "dcd-ck.json");
        var part = Path.Combine(_dir, "dcd-part.json");
        var stopped = MpiJob.Run(2, options.Concat(["--model", part, "--checkpoint", checkpoint]),
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "1:12" });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        var resumed = MpiJob.Run(3, options.Concat(["--model", part, "--resume", checkpoint]));
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Weights(part), Is.EqualTo(Weights(Path.Combine(_dir, "dcd-full.json"))));
    }

    [Test]
    public void Train_CheckpointEvery_WritesResumableCheckpoints()
    {
        var checkpoint = Path.Combine(_dir, "every.json");
        var run = Train(2, "every-model.json", ["--max-iterations", "100", "--checkpoint", checkpoint,
            "--checkpoint-every", "30", "--quiet"]);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        // The run completed, so its last checkpoint was retired (renamed): still a checkpoint to resume from by name.
        var retired = checkpoint + ".completed";
        using (var json = JsonDocument.Parse(File.ReadAllText(retired)))
            Assert.That(json.RootElement.GetProperty("state").GetProperty("iteration").GetInt32(), Is.EqualTo(90));
        var resumed = Train(1, "every-resumed.json", ["--max-iterations", "100", "--resume", retired, "--quiet"]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Weights(Path.Combine(_dir, "every-resumed.json")), Is.EqualTo(Weights(Path.Combine(_dir,
            "every-model.json"))));
    }

    /// <summary>Checkpoints keep only what resuming needs, the history goes to an append-only file beside them (issue
    /// 16, point 15): the checkpoint's size does not grow with the run, and a resumed run still reports every
    /// iteration.</summary>
    [Test]
    public void Train_ManyCheckpoints_CheckpointStaysSmallAndTheWholeHistoryIsReported()
    {
        var checkpoint = Path.Combine(_dir, "long-run.json");
        var report = Path.Combine(_dir, "long-run-report.json");
        string[] common = ["--max-iterations", "3000", "--checkpoint", checkpoint, "--checkpoint-every", "100",
            "--quiet"];
        var stopped = Train(2, "long-run-model.json", common, new Dictionary<string, string>
        {
            ["MPIDESCENT_SIGNAL"] = "0:2950",
        });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        Assert.That(new FileInfo(checkpoint).Length, Is.LessThan(8000), "two history records, not 2,950");
        var history = Path.ChangeExtension(checkpoint, ".history.csv");
        int stoppedAt;
        using (var state = JsonDocument.Parse(File.ReadAllText(checkpoint)))
            stoppedAt = state.RootElement.GetProperty("state").GetProperty("iteration").GetInt32();
        Assert.That(stoppedAt, Is.InRange(2950, 2952), "the stop agreed after the signal");
        Assert.That(File.ReadAllLines(history).Length, Is.EqualTo(1 + stoppedAt + 1), "a header and every iteration");
        var resumed = Train(3, "long-run-model.json", [.. common, "--resume", checkpoint, "--report", report]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var iterations = json.RootElement.GetProperty("history").EnumerateArray()
            .Select(r => r.GetProperty("iteration").GetInt32()).ToArray();
        Assert.That(iterations, Is.EqualTo(Enumerable.Range(0, 3001).ToArray()));
    }

    [Test]
    public void Train_TamperedCheckpoint_BadInputNamingTheFileNoStackTrace()
    {
        var checkpoint = Path.Combine(_dir, "tampered.json");
        var stopped = Train(1, "tampered-model.json", ["--max-iterations", "50", "--checkpoint", checkpoint, "--quiet"],
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "0:20" });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        var text = File.ReadAllText(checkpoint);
        File.WriteAllText(checkpoint, text.Replace("\"learningRate\": ", "\"learningRate\": -"));
        var resumed = Train(2, "tampered-model.json", ["--max-iterations", "50", "--resume", checkpoint]);
        Assert.That(resumed.ExitCode, Is.EqualTo(ExitCodes.BadInput), resumed.ToString());
        Assert.That(resumed.Errors, Does.Contain(checkpoint).And.Contain("checksum mismatch")
            .And.Not.Contain("   at "));
    }

    [Test]
    public void Train_ResumeWithOtherDataOrSettings_Refused()
    {
        var checkpoint = Path.Combine(_dir, "refuse.json");
        Assert.That(Train(1, "refuse-model.json", ["--max-iterations", "10", "--checkpoint", checkpoint,
            "--checkpoint-every", "5", "--quiet"]).ExitCode, Is.EqualTo(0));
        var other = Path.Combine(_dir, "other.bin");
        Assert.That(MpiJob.Run(0, "generate", other, "--rows", "100", "--features", "10").ExitCode, Is.EqualTo(0));
        checkpoint += ".completed"; // the run completed and retired its checkpoint
        var wrongData = MpiJob.Run(2, "train", other, "--standardize", "--resume", checkpoint);
        Assert.That(wrongData.ExitCode, Is.EqualTo(ExitCodes.BadInput), wrongData.ToString());
        Assert.That(wrongData.Errors, Does.Contain("was made from data with checksum"));
        var wrongSettings = Train(2, "refuse2.json", ["--summation", "plain", "--resume", checkpoint]);
        Assert.That(wrongSettings.ExitCode, Is.EqualTo(ExitCodes.Usage), wrongSettings.ToString());
        Assert.That(wrongSettings.Errors, Does.Contain("--summation reproducible"));
    }

    [Test]
    public void Train_RankKilledWithSigkill_JobEndsWithin10SecondsAndCheckpointResumes()
    {
        var data = Path.Combine(_dir, "long.bin");
        Assert.That(MpiJob.Run(0, "generate", data, "--rows", "20000", "--features", "8").ExitCode, Is.EqualTo(0));
        var checkpoint = Path.Combine(_dir, "killed.json");
        var model = Path.Combine(_dir, "killed-model.json");
        string[] common = ["train", data, "--learning-rate", "0.0001", "--tolerance", "0", "--quiet"];
        var start = new ProcessStartInfo("timeout", ["60", "mpiexec.mpich", "-n", "2", MpiJob.Executable, .. common,
            "--max-iterations", "100000000", "--model", model, "--checkpoint", checkpoint, "--checkpoint-every", "200"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var job = Process.Start(start)!;
        var output = job.StandardOutput.ReadToEndAsync();
        var errors = job.StandardError.ReadToEndAsync();
        var wait = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && wait.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(50);
        Assert.That(File.Exists(checkpoint), Is.True, "a checkpoint appeared");
        Thread.Sleep(200);
        var rank = RankProcesses(model).Last();
        Process.Start("kill", ["-9", rank.ToString()])!.WaitForExit();
        var killed = Stopwatch.StartNew();
        Assert.That(job.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "the job ended within 10 s of the kill");
        Assert.That(job.ExitCode, Is.Not.EqualTo(0), $"{output.Result}\n{errors.Result}");
        Assert.That(killed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));

        int iteration;
        using (var json = JsonDocument.Parse(File.ReadAllText(checkpoint)))
            iteration = json.RootElement.GetProperty("state").GetProperty("iteration").GetInt32();
        Assert.That(iteration % 200, Is.EqualTo(0));
        string target = (iteration + 50).ToString();
        var resumed = MpiJob.Run(2, [.. common, "--max-iterations", target, "--model", model, "--resume", checkpoint]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        var reference = Path.Combine(_dir, "reference.json");
        Assert.That(MpiJob.Run(1, [.. common, "--max-iterations", target, "--model", reference]).ExitCode,
            Is.EqualTo(0));
        Assert.That(Weights(model), Is.EqualTo(Weights(reference)));
    }

    /// <summary>PIDs of the MpiDescent rank processes whose command line names <paramref name="marker"/>.</summary>
    private static int[] RankProcesses(string marker)
    {
        var ps = Process.Start(new ProcessStartInfo("ps", ["-eo", "pid=,args="]) { RedirectStandardOutput = true })!;
        var lines = ps.StandardOutput.ReadToEnd().Split('\n');
        ps.WaitForExit();
        return lines.Select(l => l.Trim()).Where(l => l.Contains(MpiJob.Executable + " ") && l.Contains(marker)
            && !l.Contains("mpiexec"))
            .Select(l => int.Parse(l.Split(' ')[0])).ToArray();
    }
}
