using System.Security.Cryptography;

namespace MpiDescent.Tests.Integration;

/// <summary>No output ever destroys an input or another output; concurrent jobs never mix their files; links and
/// devices are handled as a user expects (issue 16, points 1-3 and 11).</summary>
[NonParallelizable]
public class OutputSafetyTests
{
    private string _dir = "";
    private string _data = "";

    [SetUp]
    public void SetUp()
    {
        _dir = TestData.TempDirectory();
        _data = Path.Combine(_dir, "d.bin");
        Assert.That(MpiJob.Run(0, "generate", _data, "--rows", "300", "--features", "3").ExitCode, Is.EqualTo(0));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private string[] LeftoverTemporaries() =>
        Directory.GetFiles(_dir, ".*", SearchOption.AllDirectories).Where(f => f.Contains(".tmp")
            || f.Contains(".partial")
            || f.Contains(".probe")).ToArray();

    [TestCase("--model")]
    [TestCase("--checkpoint")]
    [TestCase("--report")]
    [TestCase("--history")]
    public void Train_OutputIsTheDataFile_UsageErrorAndDataUntouched(string option)
    {
        string before = Hash(_data);
        var outcome = MpiJob.Run(0, "train", _data, option, _data, "--max-iterations", "3");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain($"{option} {_data} is the same file as the data file"),
            outcome.ToString());
        Assert.That(Hash(_data), Is.EqualTo(before));
    }

    [Test]
    public void Commands_EmptyInputPath_UsageErrorNotInternal()
    {
        var model = Path.Combine(_dir, "m.json");
        string[][] commands =
        [
            ["predict", "", _data, "--output", Path.Combine(_dir, "p.csv")],
            ["evaluate", model, " "],
            ["convert", "", Path.Combine(_dir, "o.bin")],
            ["export", "", Path.Combine(_dir, "m.liblinear")],
        ];
        foreach (var args in commands)
        {
            var outcome = MpiJob.Run(0, args);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("needs a file name"), outcome.ToString());
        }
    }

    [Test]
    public void Train_ReportOntoModel_UsageErrorNamingBoth()
    {
        var model = Path.Combine(_dir, "m.json");
        var outcome = MpiJob.Run(2, "train", _data, "--model", model, "--report", model, "--max-iterations", "3");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("--report").And.Contain("--model").And.Contain("are the same file"));
        Assert.That(File.Exists(model), Is.False);
    }

    [Test]
    public void Train_ModelIsAHardLinkToTheData_Refused()
    {
        var link = Path.Combine(_dir, "link.json");
        Assert.That(MpiJob.RunCommand(["ln", _data, link]).ExitCode, Is.EqualTo(0));
        string before = Hash(_data);
        var outcome = MpiJob.Run(0, "train", _data, "--model", link, "--max-iterations", "3");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(Hash(_data), Is.EqualTo(before));
    }

    [Test]
    public void Train_CheckpointSameAsResume_Allowed()
    {
        var checkpoint = Path.Combine(_dir, "c.json");
        var first = MpiJob.Run(0, ["train", _data, "--checkpoint", checkpoint, "--max-iterations", "4", "--tolerance",
            "0",
            "--quiet"], new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "0:2" });
        Assert.That(first.ExitCode, Is.EqualTo(ExitCodes.Interrupted), first.ToString());
        var second = MpiJob.Run(0, "train", _data, "--checkpoint", checkpoint, "--resume", checkpoint,
            "--max-iterations", "6", "--tolerance", "0", "--quiet");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
    }

    [Test]
    public void Predict_OutputIsTheDataFileOrTheModel_Refused()
    {
        Assert.That(MpiJob.Run(0, "train", _data, "--solver", "exact", "--quiet").ExitCode, Is.EqualTo(0));
        var model = Path.Combine(_dir, "d.model.json");
        foreach (var target in new[] { _data, model })
        {
            var outcome = MpiJob.Run(0, "predict", model, _data, "--output", target);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        }
        Assert.That(MpiJob.Run(0, "evaluate", model, _data).ExitCode, Is.EqualTo(0), "both inputs intact");
    }

    [Test]
    public void Convert_OutputIsTheInput_RefusedAndInputKept()
    {
        var csv = Path.Combine(_dir, "in.csv");
        File.WriteAllText(csv, "a,y\n1,2\n3,4\n");
        var outcome = MpiJob.Run(0, "convert", csv, csv);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(File.ReadAllText(csv), Is.EqualTo("a,y\n1,2\n3,4\n"));
    }

    [TestCase("")]
    [TestCase("missing_dir/m.json")]
    [TestCase("DIR")]
    [TestCase("DIR/")]
    public void Train_UnusableModelPath_UsageErrorBeforeReadingData(string model)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "DIR"));
        var path = model.Length == 0 ? "" : Path.Combine(_dir, model);
        // A data file that does not exist: the path check must come first, so the error is about the model.
        var outcome = MpiJob.Run(0, "train", Path.Combine(_dir, "absent.bin"), "--model", path);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("--model").And.Not.Contain("absent.bin: file not found"),
            outcome.ToString());
    }

    [Test]
    public void Train_ReportOntoACharacterDevice_RefusedAndDeviceKept()
    {
        var outcome = MpiJob.Run(0, "train", _data, "--report", "/dev/null", "--max-iterations", "2");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("/dev/null is a character device"), outcome.ToString());
        Assert.That(MpiDescent.IO.FileStatus.Of("/dev/null").Kind, Is.EqualTo(MpiDescent.IO.FileKind.CharacterDevice));
    }

    [Test]
    public void Train_ModelPathIsASymbolicLink_WritesThroughTheLink()
    {
        var target = Path.Combine(_dir, "real.json");
        var link = Path.Combine(_dir, "link.json");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);
        var outcome = MpiJob.Run(0, "train", _data, "--model", link, "--solver", "exact", "--quiet");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target), "the link is still a link to the same file");
        Assert.That(File.ReadAllText(target), Does.Contain("\"format\": \"mpidescent-model\""));
        Assert.That(LeftoverTemporaries(), Is.Empty);
    }

    [Test]
    public void Predict_TwoJobsToOneOutput_ResultIsOneWholeFile()
    {
        var modelA = Path.Combine(_dir, "a.json");
        var modelB = Path.Combine(_dir, "b.json");
        Assert.That(MpiJob.Run(0, "train", _data, "--model", modelA, "--solver", "exact", "--quiet").ExitCode,
            Is.EqualTo(0));
        Assert.That(MpiJob.Run(0, "train", _data, "--model", modelB, "--max-iterations", "2", "--quiet").ExitCode,
            Is.EqualTo(0));
        var alone = new Dictionary<string, string>();
        foreach (var (model, name) in new[] { (modelA, "a.csv"), (modelB, "b.csv") })
        {
            Assert.That(MpiJob.Run(2, "predict", model, _data, "--output", Path.Combine(_dir, name)).ExitCode,
                Is.EqualTo(0));
            alone[model] = File.ReadAllText(Path.Combine(_dir, name));
        }
        var shared = Path.Combine(_dir, "shared.csv");
        for (int round = 0; round < 3; round++)
        {
            var jobs = new[] { modelA, modelB }.Select(m => Task.Run(() => MpiJob.Run(2, "predict", m, _data,
                "--output", shared)))
                .ToArray();
            Task.WaitAll(jobs);
            foreach (var job in jobs) Assert.That(job.Result.ExitCode, Is.EqualTo(0), job.Result.ToString());
            Assert.That(File.ReadAllText(shared), Is.EqualTo(alone[modelA]).Or.EqualTo(alone[modelB]),
                $"round {round}");
            Assert.That(LeftoverTemporaries(), Is.Empty);
        }
    }

    /// <summary>Issue 16, point 16: a file utility ended by SIGTERM, SIGINT or SIGHUP in the middle of writing deletes
    /// its temporary output (only SIGKILL cannot be handled).</summary>
    [TestCase("TERM")]
    [TestCase("INT")]
    [TestCase("HUP")]
    public void Generate_SignalWhileWriting_TemporaryFileDeleted(string signal)
    {
        var target = Path.Combine(_dir, "big.bin");
        var start = new System.Diagnostics.ProcessStartInfo(MpiJob.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "generate", target, "--rows", "8000000", "--features", "10" })
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (LeftoverTemporaries().Length == 0 && !process.HasExited && clock.Elapsed.TotalSeconds < 30)
            Thread.Sleep(5);
        Assert.That(process.HasExited, Is.False, "the generation ended before it could be signalled");
        MpiJob.Signal(process.Id, signal);
        Assert.That(process.WaitForExit(30_000), Is.True, "the signal ended the process");
        Assert.That(process.ExitCode, Is.Not.EqualTo(0));
        Assert.That(LeftoverTemporaries(), Is.Empty);
        Assert.That(File.Exists(target), Is.False);
    }

    /// <summary>Issue 16, point 16: a full file system fails the write with exit 3 naming the target, and leaves no
    /// temporary file (a 64 KiB tmpfs mounted for the test; needs root, as CI runs).</summary>
    [Test]
    public void GenerateAndTrain_FullFileSystem_BadInputNamingTheTargetAndNoTemporaryFile()
    {
        if (Environment.UserName != "root") Assert.Ignore("mounting a small tmpfs needs root");
        var full = Path.Combine(_dir, "full");
        Directory.CreateDirectory(full);
        Assert.That(MpiJob.RunCommand(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full]).ExitCode,
            Is.EqualTo(0));
        try
        {
            var big = Path.Combine(full, "g.bin");
            var generate = MpiJob.Run(0, "generate", big, "--rows", "10000", "--features", "10");
            Assert.That(generate.ExitCode, Is.EqualTo(ExitCodes.BadInput), generate.ToString());
            Assert.That(generate.Errors, Does.Contain($"{big}: cannot write: No space left on device"));
            Assert.That(Directory.GetFileSystemEntries(full), Is.Empty, "nothing left behind");
            File.WriteAllBytes(Path.Combine(full, "fill"), new byte[64 * 1024]);
            var model = Path.Combine(full, "m.json");
            var train = MpiJob.Run(0, "train", _data, "--model", model, "--max-iterations", "3", "--quiet");
            Assert.That(train.ExitCode, Is.EqualTo(ExitCodes.BadInput), train.ToString());
            Assert.That(train.Errors, Does.Contain($"{model}: cannot write: No space left on device"));
            Assert.That(Directory.GetFileSystemEntries(full).Select(Path.GetFileName), Is.EqualTo(new[] { "fill" }));
        }
        finally { MpiJob.RunCommand(["umount", full]); }
    }
}
