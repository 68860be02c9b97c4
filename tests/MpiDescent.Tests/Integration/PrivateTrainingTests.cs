using System.Text.Json;
using MpiDescent.Cli;
using MpiDescent.Training.Privacy;

namespace MpiDescent.Tests.Integration;

/// <summary>Differentially private training from the command line under MPI: ε printed each epoch and recorded in the
/// model, the secret seed kept out of the model and in the checkpoint, and a run stopped by a signal and resumed at
/// another rank count continuing its account.</summary>
public class PrivateTrainingTests
{
    private static string _dir = "";
    private static string _data = "";

    [OneTimeSetUp]
    public void Convert()
    {
        _dir = TestData.TempDirectory();
        var (x, y, _, d) = TestData.LoadStandardizedBreastCancer();
        _data = TestData.WriteDataFile(_dir, x, y, d, "cancer-standardized.bin");
    }

    private static readonly string[] Options = ["--loss", "logistic", "--solver", "sgd", "--learning-rate", "0.5",
        "--batch-size", "57", "--epochs", "6", "--dp-noise", "1.3", "--dp-clip", "1", "--dp-delta", "1e-4"];

    private static JsonElement Read(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Test]
    public void Train_PrivateSignalledAndResumedAtOtherRankCount_ContinuesItsEpsilon()
    {
        string model = Path.Combine(_dir, "private.json"), checkpoint = Path.Combine(_dir, "private-ck.json");
        var stopped = MpiJob.Run(2, ["train", _data, .. Options, "--model", model, "--checkpoint", checkpoint],
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "1:3" });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        Assert.That(stopped.Output, Does.Contain("privacy after epoch 2: epsilon"));
        var saved = Read(checkpoint).GetProperty("settings");
        Assert.That(saved.GetProperty("seed").GetUInt64(), Is.Not.EqualTo(0UL), "the checkpoint keeps the seed");
        Assert.That(saved.GetProperty("privacy").GetProperty("noiseMultiplier").GetDouble(), Is.EqualTo(1.3));

        var resumed = MpiJob.Run(3, ["train", _data, .. Options, "--model", model, "--resume", checkpoint]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        var written = Read(model);
        Assert.That(written.GetProperty("settings").GetProperty("seed").GetUInt64(), Is.EqualTo(0UL),
            "the model does not publish the seed of its batches and noise");
        var privacy = written.GetProperty("privacy");
        // 569 rows in batches of 57: 10 steps per epoch, q = 57/569, 6 epochs.
        long steps = privacy.GetProperty("steps").GetInt64();
        Assert.That(steps, Is.EqualTo(60));
        double expected = SampledGaussianAccountant.Epsilon(57.0 / 569, 1.3, 60, 1e-4, out _);
        Assert.That(privacy.GetProperty("epsilon").GetDouble(), Is.EqualTo(expected));
        Assert.That(resumed.Output, Does.Contain($"privacy after epoch 6: epsilon {expected.ToString("G4",
            System.Globalization.CultureInfo.InvariantCulture)} at delta 0.0001 (60 noisy steps)"));

        var changed = MpiJob.Run(1, ["train", _data, .. Options[..^6], "--dp-noise", "2", "--dp-clip", "1",
            "--dp-delta", "1e-4", "--model", model, "--resume", checkpoint]);
        Assert.That(changed.ExitCode, Is.EqualTo(ExitCodes.Usage), changed.ToString());
        Assert.That(changed.Errors, Does.Contain("--dp-noise (the noise multiplier used) 1.3, this run asks for 2"));
    }

    [Test]
    public void Train_PrivateModel_ClassifiesHeldOutRowsAlmostAsWellAsAPlainOne()
    {
        // Generous privacy (epsilon about 8): the private model must still separate the classes.
        string model = Path.Combine(_dir, "private-accuracy.json");
        var run = MpiJob.Run(0, ["train", _data, "--loss", "logistic", "--solver", "sgd", "--learning-rate", "0.5",
            "--batch-size", "57", "--epochs", "20", "--dp-epsilon", "8", "--dp-clip", "1", "--dp-delta", "1e-4",
            "--model", model, "--quiet"]);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(Read(model).GetProperty("privacy").GetProperty("epsilon").GetDouble(), Is.InRange(7.9, 8.0));
        var evaluation = MpiJob.Run(0, ["evaluate", model, _data]);
        Assert.That(evaluation.ExitCode, Is.EqualTo(0), evaluation.ToString());
        var accuracy = System.Text.RegularExpressions.Regex.Match(evaluation.Output, @"accuracy\s+([0-9.]+)");
        Assert.That(accuracy.Success, evaluation.Output);
        Assert.That(double.Parse(accuracy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            Is.GreaterThan(0.9));
    }

    [TestCase("momentum")]
    [TestCase("adam")]
    public void Train_PrivateMomentumOrAdamSignalledAndResumed_ItsVectorsInTheCheckpoint(string rule)
    {
        string model = Path.Combine(_dir, $"private-{rule}.json"), checkpoint = Path.Combine(_dir, $"ck-{rule}.json");
        string[] options = [.. Options, "--dp-optimizer", rule, .. rule == "momentum" ? ["--momentum", "0.8"]
            : Array.Empty<string>(), "--model", model, "--checkpoint", checkpoint];
        var stopped = MpiJob.Run(2, ["train", _data, .. options],
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "1:3" });
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        var saved = Read(checkpoint);
        Assert.That(saved.GetProperty("state").GetProperty("auxiliary").GetArrayLength(),
            Is.EqualTo(rule == "adam" ? 2 : 1));
        Assert.That(saved.GetProperty("settings").GetProperty("privacy").GetProperty("update").GetString(),
            Is.EqualTo(rule));
        var kept = Path.Combine(_dir, $"ck-{rule}-kept.json"); // the completed run retires the checkpoint
        File.Copy(checkpoint, kept, overwrite: true);
        var resumed = MpiJob.Run(3, ["train", _data, .. options, "--resume", checkpoint]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(Read(model).GetProperty("privacy").GetProperty("steps").GetInt64(), Is.EqualTo(60));
        var changed = MpiJob.Run(1, ["train", _data, .. Options, "--model", model, "--resume", kept]);
        Assert.That(changed.ExitCode, Is.EqualTo(ExitCodes.Usage), changed.ToString());
        Assert.That(changed.Errors, Does.Contain(rule == "adam" ? "--dp-optimizer" : "--momentum 0.8")
            .And.Contain("incompatible with --resume"));
    }

    [TestCase("sgd", new[] { "--tolerance", "1e-3" }, "--tolerance does not apply to differentially private")]
    [TestCase("sgd", new[] { "--seed", "3" }, "must be secret")]
    [TestCase("gd", new string[0], "needs --solver sgd")]
    public void Parse_PrivateWithWhatWouldFalsifyIt_Refused(string solver, string[] extra, string expected)
    {
        string[] args = ["d.bin", "--solver", solver, "--learning-rate", "0.1", "--dp-noise", "1", "--dp-clip", "1",
            "--dp-delta", "1e-5", .. extra];
        var error = Assert.Throws<UsageException>(() => TrainOptions.Parse(args))!;
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void Parse_PrivateWithoutClipOrDelta_SaysWhichIsMissing()
    {
        var error = Assert.Throws<UsageException>(() => TrainOptions.Parse(["d.bin", "--solver", "sgd",
            "--learning-rate", "0.1", "--dp-noise", "1", "--dp-delta", "1e-5"]))!;
        Assert.That(error.Message, Does.Contain("needs --dp-clip"));
        error = Assert.Throws<UsageException>(() => TrainOptions.Parse(["d.bin", "--solver", "sgd",
            "--learning-rate", "0.1", "--dp-epsilon", "1", "--dp-clip", "1"]))!;
        Assert.That(error.Message, Does.Contain("needs --dp-delta"));
    }
}
