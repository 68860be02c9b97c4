using MpiDescent.Data;

namespace MpiDescent.Tests.Integration;

/// <summary>Every failure ends every rank promptly with the documented exit code and one clear message.</summary>
[NonParallelizable]
public class FailureTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static int Occurrences(string text, string what) => (text.Length - text.Replace(what,
        "").Length) / what.Length;

    [Test]
    public void Train_BadOptionAtTwoRanks_UsageErrorOnceBeforeReadingData()
    {
        var outcome = MpiJob.Run(2, "train", Path.Combine(_dir, "does-not-exist.bin"), "--learning-rate", "-3");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage), outcome.ToString());
        Assert.That(Occurrences(outcome.Errors, "--learning-rate must be positive"), Is.EqualTo(1), outcome.ToString());
        Assert.That(outcome.Errors, Does.Not.Contain("not found"),
            "options are checked before the data file is opened");
    }

    [Test]
    public void Train_MissingFileAtTwoRanks_BadInputOnce()
    {
        var outcome = MpiJob.Run(2, "train", Path.Combine(_dir, "missing.bin"));
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
        Assert.That(Occurrences(outcome.Errors, "missing.bin: file not found"), Is.EqualTo(1), outcome.ToString());
    }

    [Test]
    public void Train_CorruptBlockReadByOneRank_NamesThatRankAndBlock()
    {
        var path = Path.Combine(_dir, "big.bin");
        Assert.That(MpiJob.Run(0, "generate", path, "--rows", "10000", "--features", "3").ExitCode, Is.EqualTo(0));
        var header = DataFileHeader.Read(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = header.DataOffset + 9000L * header.RecordBytes
                + 5; // checksum block 2, read only by rank 1 of 2
            int b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x10));
        }
        var outcome = MpiJob.Run(2, "train", path, "--quiet");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("rank 1: checksum mismatch in block 2"), outcome.ToString());
        Assert.That(File.Exists(Path.Combine(_dir, "big.model.json")), Is.False, "no model from bad data");
    }

    [Test]
    public void Train_LauncherSizeMismatch_RefusesWithMpiSetupCode()
    {
        var data = Path.Combine(_dir, "d.bin");
        Assert.That(MpiJob.Run(0, "generate", data, "--rows", "50", "--features", "2").ExitCode, Is.EqualTo(0));
        var wrongSize = MpiJob.Run(0, ["train", data], new Dictionary<string, string>
        {
            ["PMI_SIZE"] = "4",
            ["PMI_RANK"] = "0"
        });
        Assert.That(wrongSize.ExitCode, Is.EqualTo(ExitCodes.MpiSetup), wrongSize.ToString());
        Assert.That(wrongSize.Errors, Does.Contain("started 4 processes"));
        var openMpi = MpiJob.Run(0, ["train", data], new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2",
            ["OMPI_COMM_WORLD_RANK"] = "0"
        });
        Assert.That(openMpi.ExitCode, Is.EqualTo(ExitCodes.MpiSetup), openMpi.ToString());
        Assert.That(openMpi.Errors, Does.Contain("Open MPI"));
    }

    [Test]
    public void Train_LearningRateFarTooLarge_ExitsDivergedWithAdvice()
    {
        var data = Path.Combine(_dir, "d.bin");
        Assert.That(MpiJob.Run(0, "generate", data, "--rows", "500", "--features", "4").ExitCode, Is.EqualTo(0));
        var outcome = MpiJob.Run(2, "train", data, "--learning-rate", "50", "--max-iterations", "500", "--quiet");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Diverged), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain("diverged").And.Contain("smaller --learning-rate"));
    }
}

[NonParallelizable]
public class RankFaultTests
{
    [TestCase(2, 1, false)]
    [TestCase(3, 2, false)]
    [TestCase(3, 1, true)] // a partitioned model over sparse rows: the others wait in its all-to-all exchanges
    public void Train_UnexpectedExceptionOnOneRank_WholeJobEndsPromptlyWithMessage(int ranks, int faultyRank,
        bool partitioned)
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            string[] shape = partitioned ? ["--sparse", "--features", "400", "--nonzeros-per-row", "8"]
                : ["--features", "4"];
            Assert.That(MpiJob.Run(0, ["generate", data, "--rows", "2000", .. shape]).ExitCode, Is.EqualTo(0));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var outcome = MpiJob.Run(ranks, ["train", data, "--max-iterations", "100000", "--tolerance", "0",
                "--learning-rate", "0.001", .. partitioned ? new[] { "--partition-model" } : []],
                new Dictionary<string, string> { ["MPIDESCENT_FAULT"] = $"{faultyRank}:3" }, timeoutSeconds: 60);
            Assert.That(outcome.ExitCode, Is.Not.EqualTo(0), outcome.ToString());
            Assert.That(outcome.Errors,
                Does.Contain($"rank {faultyRank} of {ranks}: internal " +
                $"error").And.Contain("injected fault"), outcome.ToString());
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "ended promptly, not by the timeout");
            Assert.That(File.Exists(Path.Combine(dir, "d.model.json")), Is.False, "no model from a failed job");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>A NullReferenceException on a rank under mpiexec takes the managed error path (UCX's SIGSEGV handler would
/// otherwise abort the process natively with exit 134: issue 16, point 9).</summary>
[NonParallelizable]
public class NullReferenceUnderMpiTests
{
    [Test]
    public void Train_NullDereferenceOnRankOne_ManagedErrorNotNativeCrash()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "generate", data, "--rows", "2000", "--features", "4").ExitCode, Is.EqualTo(0));
            var outcome = MpiJob.Run(2, ["train", data, "--max-iterations", "100", "--tolerance", "0", "--quiet"],
                new Dictionary<string, string> { ["MPIDESCENT_FAULT"] = "1:3:null" }, timeoutSeconds: 60);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.InternalError), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("rank 1 of 2: internal error: System.NullReferenceException"));
            Assert.That(outcome.Errors, Does.Not.Contain("Caught signal").And.Not.Contain("Fatal error"));
        }
        finally { Directory.Delete(dir, true); }
    }
}

[NonParallelizable]
public class InputEdgeTests
{
    [Test]
    public void Train_MoreRanksThanRows_StillTrainsAndMatchesOneRank()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var csv = Path.Combine(dir, "tiny.csv");
            File.WriteAllText(csv, "a,b,y\n1,0,1\n0,1,2\n1,1,3.5\n2,1,4\n");
            var data = Path.Combine(dir, "tiny.bin");
            Assert.That(MpiJob.Run(0, "convert", csv, data).ExitCode, Is.EqualTo(0));
            var seven = MpiJob.Run(7, "train", data, "--solver", "exact", "--model", Path.Combine(dir, "m7.json"));
            Assert.That(seven.ExitCode, Is.EqualTo(0), seven.ToString());
            Assert.That(seven.Output, Does.Contain("on 7 ranks (0-1 rows each"));
            Assert.That(MpiJob.Run(1, "train", data, "--solver", "exact", "--model", Path.Combine(dir,
                "m1.json")).ExitCode, Is.EqualTo(0));
            Assert.That(File.ReadAllText(Path.Combine(dir, "m7.json")).Split("\"dataFile\"")[0],
                Is.EqualTo(File.ReadAllText(Path.Combine(dir, "m1.json")).Split("\"dataFile\"")[0]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Evaluate_ModelWithOtherFeatureCount_BadInputNamingBoth()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var a = Path.Combine(dir, "a.bin");
            var b = Path.Combine(dir, "b.bin");
            Assert.That(MpiJob.Run(0, "generate", a, "--rows", "50", "--features", "3").ExitCode, Is.EqualTo(0));
            Assert.That(MpiJob.Run(0, "generate", b, "--rows", "50", "--features", "4").ExitCode, Is.EqualTo(0));
            Assert.That(MpiJob.Run(0, "train", a, "--solver", "exact", "--quiet").ExitCode, Is.EqualTo(0));
            var outcome = MpiJob.Run(2, "evaluate", Path.Combine(dir, "a.model.json"), b);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("has 4 features but the model").And.Contain("has 3"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Convert_OnlyALabelColumn_SaysNoFeatures()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var csv = Path.Combine(dir, "label-only.csv");
            File.WriteAllText(csv, "y\n1\n2\n");
            var outcome = MpiJob.Run(0, "convert", csv, Path.Combine(dir, "x.bin"));
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("need at least one feature and a label"));
            Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no output file left behind");
        }
        finally { Directory.Delete(dir, true); }
    }
}

[NonParallelizable]
public class OneRankBadLabelTests
{
    [TestCase("logistic")]
    [TestCase("softmax")]
    public void Train_BadLabelOnlyInLastRanksSlice_AllRanksExitPromptlyNamingRow(string loss)
    {
        var dir = TestData.TempDirectory();
        try
        {
            var lines = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
                "breast_cancer.csv"));
            var cells = lines[^1].Split(',');
            cells[^1] = "-3"; // the last row: read only by the last rank
            lines[^1] = string.Join(",", cells);
            var csv = Path.Combine(dir, "bad.csv");
            File.WriteAllLines(csv, lines);
            var data = Path.Combine(dir, "bad.bin");
            Assert.That(MpiJob.Run(0, "convert", csv, data).ExitCode, Is.EqualTo(0));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var outcome = MpiJob.Run(3, ["train", data, "--loss", loss, "--quiet"], timeoutSeconds: 60);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
            // 1-based: the last of the lines.Length − 1 data rows.
            Assert.That(outcome.Errors, Does.Contain("rank 2").And.Contain($"row {lines.Length - 1} has label -3"),
                outcome.ToString());
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>Divergence behaves the same for every solver (issue 12): exit 4, the last finite model written, and a
/// message that says so.</summary>
[NonParallelizable]
public class DivergenceTests
{
    [TestCase("gd")]
    [TestCase("momentum")]
    [TestCase("nesterov")]
    [TestCase("adam")]
    [TestCase("sgd")]
    public void Train_LearningRate1e200_ExitsDivergedAndWritesTheLastFiniteModel(string solver)
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "generate", data, "--rows", "500", "--features", "4").ExitCode, Is.EqualTo(0));
            var model = Path.Combine(dir, "m.json");
            string[] limit = solver == "sgd" ? ["--epochs", "5"] : ["--max-iterations", "50"];
            var outcome = MpiJob.Run(2, ["train", data, "--solver", solver, "--learning-rate", "1e200", "--model",
                model,
                "--quiet", .. limit]);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Diverged), outcome.ToString());
            Assert.That(outcome.Output, Does.Contain("diverged").And.Contain("last finite iterate"),
                outcome.ToString());
            Assert.That(File.Exists(model), Is.True, "the last finite model is written");
            var written = MpiDescent.Output.ModelFile.Read(model);
            Assert.That(written.Exit, Is.EqualTo("Diverged"));
            Assert.That(written.Weights.All(double.IsFinite) && double.IsFinite(written.FinalLoss), Is.True);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Issue 16, point 12: a finite but huge label overflows the first evaluation. The message names the file,
    /// the 1-based row and the rank that read it, and says that no model is written.</summary>
    [TestCase("gd")]
    [TestCase("lbfgs")]
    public void Train_HugeLabel_DivergedNamingFileRowAndRank(string solver)
    {
        var dir = TestData.TempDirectory();
        try
        {
            var (x, y) = TestData.Synthetic(300, 3, seed: 4);
            y[200] = 1e300;
            var data = TestData.WriteDataFile(dir, x, y, 3);
            var model = Path.Combine(dir, "m.json");
            var outcome = MpiJob.Run(2, "train", data, "--model", model, "--max-iterations", "5", "--solver", solver);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Diverged), outcome.ToString());
            string named = $"row 201 of {data} (read by rank 1; label 1E+300";
            Assert.That(outcome.Output + outcome.Errors, Does.Contain(named)
                .And.Contain("no finite model and none is written"), outcome.ToString());
            Assert.That(File.Exists(model), Is.False);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>Every rank trains on the same file (issue 16, point 4): a rank that opened another file (here given by
/// MPMD launch syntax, as a data file replaced while the ranks open it would do) ends the job naming it.</summary>
[NonParallelizable]
public class DataAgreementTests
{
    [Test]
    public void Train_RanksOpenDifferentFiles_BadInputNamingTheRank()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var a = Path.Combine(dir, "a.bin");
            var b = Path.Combine(dir, "b.bin");
            Assert.That(MpiJob.Run(0, "generate", a, "--rows", "300", "--features", "3", "--seed", "1").ExitCode,
                Is.EqualTo(0));
            Assert.That(MpiJob.Run(0, "generate", b, "--rows", "300", "--features", "3", "--seed", "2").ExitCode,
                Is.EqualTo(0));
            var model = Path.Combine(dir, "m.json");
            var outcome = MpiJob.RunCommand(["mpiexec.mpich", "-n", "1", MpiJob.Executable, "train", a, "--model",
                model,
                ":", "-n", "1", MpiJob.Executable, "train", b, "--model", model], timeoutSeconds: 60);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("rank 1 opened a different file than rank 0"), outcome.ToString());
            Assert.That(File.Exists(model), Is.False);
        }
        finally { Directory.Delete(dir, true); }
    }
}
