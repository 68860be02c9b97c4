using System.Globalization;
using System.Text.Json;
using MpiDescent.Output;

namespace MpiDescent.Tests.Integration;

/// <summary>Regularization paths and cross-validation from the command line under MPI (issue 20): the same table and
/// folds at 1 and 3 ranks, the refitted model that of a plain run with the chosen penalty, and a path's model files
/// each that of a plain run with its penalty.</summary>
public class ModelSearchTests
{
    private static string _dir = "";
    private static string _cancer = "", _diabetes = "";

    [OneTimeSetUp]
    public void Convert()
    {
        _dir = TestData.TempDirectory();
        _cancer = Path.Combine(_dir, "cancer.bin");
        _diabetes = Path.Combine(_dir, "diabetes.bin");
        var data = Path.GetDirectoryName(TestData.DiabetesCsv)!;
        Assert.That(MpiJob.Run(0, "convert", Path.Combine(data, "breast_cancer.csv"), _cancer, "--label", "benign")
            .ExitCode, Is.EqualTo(0));
        Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, _diabetes, "--label", "target").ExitCode,
            Is.EqualTo(0));
    }

    [OneTimeTearDown]
    public void Remove() => Directory.Delete(_dir, true);

    private static string[] CrossValidation(string name) =>
    [
        "train", _cancer, "--loss", "logistic", "--solver", "lbfgs", "--standardize", "--l2-path", "1..1e-4",
        "--path-length", "6", "--cv", "4", "--model", Path.Combine(_dir, $"{name}.json"),
        "--cv-output", Path.Combine(_dir, $"{name}.csv"), "--cv-folds-output", Path.Combine(_dir, $"{name}.folds.csv"),
    ];

    [Test]
    public void Train_CrossValidationAt1And3Ranks_SameTableAndFoldsAndTheChosenPenaltysModel()
    {
        var three = MpiJob.Run(3, [.. CrossValidation("cv3"), "--report", Path.Combine(_dir, "cv3.report.json"),
            "--plot", Path.Combine(_dir, "cv3.png")]);
        Assert.That(three.ExitCode, Is.EqualTo(0), three.ToString());
        Assert.That(three.Output, Does.Contain("24 models (6 penalties x 4 folds) trained in lockstep")
            .And.Contain("<- chosen"));
        var one = MpiJob.Run(1, CrossValidation("cv1"));
        Assert.That(one.ExitCode, Is.EqualTo(0), one.ToString());
        string Text(string file) => File.ReadAllText(Path.Combine(_dir, file));
        Assert.That(Text("cv3.csv"), Is.EqualTo(Text("cv1.csv")), "the table's every number, bit for bit");
        Assert.That(Text("cv3.folds.csv"), Is.EqualTo(Text("cv1.folds.csv")));
        var table = File.ReadAllLines(Path.Combine(_dir, "cv3.csv"));
        Assert.That(table, Has.Length.EqualTo(7));
        Assert.That(table[0], Does.StartWith("strength,l1,l2,learning_rate,converged,iterations,mean_validation_loss"));
        var chosen = table.Skip(1).Single(l => l.EndsWith(",chosen")).Split(',');
        var folds = File.ReadAllLines(Path.Combine(_dir, "cv3.folds.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.That(folds.Select(f => f[0]), Is.EqualTo(Enumerable.Range(1, 569).Select(i => i.ToString())));
        foreach (var fold in folds.GroupBy(f => f[1]))
            Assert.That(fold.Count(), Is.InRange(142, 143), "569 rows stratified into 4 folds");

        // The model: a plain run with the chosen penalty (its exact value from the table) gives the same bits.
        var plain = Path.Combine(_dir, "plain.json");
        var alone = MpiJob.Run(2, "train", _cancer, "--loss", "logistic", "--solver", "lbfgs", "--standardize", "--l2",
            chosen[2], "--model", plain);
        Assert.That(alone.ExitCode, Is.EqualTo(0), alone.ToString());
        var (model, reference) = (ModelFile.Read(Path.Combine(_dir, "cv3.json")), ModelFile.Read(plain));
        Assert.That(model.Weights.Append(model.Intercept), Is.EqualTo(reference.Weights.Append(reference.Intercept)));
        Assert.That(model.L2, Is.EqualTo(double.Parse(chosen[2], CultureInfo.InvariantCulture)));
        using var report = JsonDocument.Parse(Text("cv3.report.json"));
        var search = report.RootElement.GetProperty("modelSearch");
        Assert.That(search.GetProperty("folds").GetInt32(), Is.EqualTo(4));
        Assert.That(search.GetProperty("penalties").GetArrayLength(), Is.EqualTo(6));
        Assert.That(search.GetProperty("chosenStrength").GetDouble(), Is.EqualTo(model.L2));
        Assert.That(File.ReadAllBytes(Path.Combine(_dir, "cv3.png"))[1..4], Is.EqualTo("PNG"u8.ToArray()));
    }

    [Test]
    public void Train_PathWithoutCrossValidationAt2Ranks_EachModelFileThatOfAPlainRunWithItsPenalty()
    {
        var model = Path.Combine(_dir, "path.json");
        var run = MpiJob.Run(2, "train", _diabetes, "--solver", "lbfgs", "--standardize", "--l2-path", "10..0.01",
            "--path-length", "3", "--model", model, "--cv-output", Path.Combine(_dir, "path.csv"));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("3 path models written"));
        Assert.That(File.Exists(model), Is.False, "a path without --cv has no one model");
        for (int k = 1; k <= 3; k++)
        {
            var written = ModelFile.Read(Path.Combine(_dir, $"path.path-0{k}.json"));
            var plain = Path.Combine(_dir, $"plain{k}.json");
            var alone = MpiJob.Run(1, "train", _diabetes, "--solver", "lbfgs", "--standardize", "--l2",
                written.L2.ToString("R", CultureInfo.InvariantCulture), "--model", plain);
            Assert.That(alone.ExitCode, Is.EqualTo(0), alone.ToString());
            var reference = ModelFile.Read(plain);
            Assert.That(written.Weights.Append(written.Intercept),
                Is.EqualTo(reference.Weights.Append(reference.Intercept)), $"penalty {k}");
        }
        Assert.That(File.ReadAllLines(Path.Combine(_dir, "path.csv"))[0],
            Is.EqualTo("strength,l1,l2,learning_rate,converged,iterations,loss,gradient_norm,exit"));
    }

    [Test]
    public void Train_SigtermDuringCrossValidationThenResumeAtOtherRankCount_TheUninterruptedRunsTableAndModel()
    {
        var model = Path.Combine(_dir, "stopped.json");
        var status = Path.ChangeExtension(model, ".status.json");
        var checkpoint = Path.ChangeExtension(model, ".checkpoint.json");
        string[] common = ["train", _diabetes, "--solver", "gd", "--tolerance", "0", "--l2-path", "1..0.01",
            "--path-length", "3", "--cv", "3", "--seed", "7", "--quiet"];
        var job = MpiJob.Start(2, [.. common, "--max-iterations", "100000000", "--model", model,
            "--cv-output", Path.Combine(_dir, "stopped.csv")]);
        int[] ranks = [];
        for (int i = 0; i < 100 && ranks.Length < 2; i++)
        {
            Thread.Sleep(100);
            ranks = MpiJob.Running.RankProcesses(model);
        }
        Assert.That(ranks, Has.Length.EqualTo(2), "the two ranks are running");
        Thread.Sleep(1500); // inside the models' iterations
        MpiJob.Signal(ranks.Max(), "TERM");
        var outcome = job.Wait(60);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Interrupted), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("stopped by a signal: 0 of 9 models finished"), outcome.ToString());
        using (var json = JsonDocument.Parse(File.ReadAllText(status)))
        {
            Assert.That(json.RootElement.GetProperty("state").GetString(), Is.EqualTo("interrupted"));
            Assert.That(json.RootElement.GetProperty("checkpoint").GetString(), Is.EqualTo(checkpoint));
        }
        Assert.That(File.Exists(model), Is.False);
        // Every model stopped at the top of an iteration; the resumed run takes them 20 iterations further.
        int reached;
        using (var json = JsonDocument.Parse(File.ReadAllText(checkpoint)))
        {
            var models = json.RootElement.GetProperty("modelSearch").GetProperty("models").EnumerateArray()
                .Select(m => m.GetProperty("state").GetProperty("iteration").GetInt32()).ToArray();
            Assert.That(models, Has.Length.EqualTo(9).And.All.GreaterThan(0));
            reached = models.Max();
        }
        string limit = (reached + 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var resumed = MpiJob.Run(1, [.. common, "--max-iterations", limit, "--model", model, "--cv-output",
            Path.Combine(_dir, "resumed.csv"), "--resume", checkpoint]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.ToString());
        Assert.That(File.Exists(checkpoint + ".completed"), Is.True, "the finished run retires its checkpoint");
        var whole = Path.Combine(_dir, "whole.json");
        Assert.That(MpiJob.Run(1, [.. common, "--max-iterations", limit, "--model", whole, "--cv-output",
            Path.Combine(_dir, "whole.csv")]).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(Path.Combine(_dir, "resumed.csv")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, "whole.csv"))));
        string[] Lines(string file) => File.ReadAllLines(file).Where(l => !l.Contains("\"ranks\"")).ToArray();
        Assert.That(Lines(model), Is.EqualTo(Lines(whole)), "the refitted model");
    }

    [Test]
    public void Train_ResumeWithACheckpointOfAnotherKind_RefusedNamingBoth()
    {
        var model = Path.Combine(_dir, "kinds.json");
        string[] path = ["train", _diabetes, "--solver", "lbfgs", "--l2-path", "1..0.01", "--path-length", "3",
            "--quiet", "--model", model, "--checkpoint-every", "1"];
        Assert.That(MpiJob.Run(1, path).ExitCode, Is.EqualTo(0));
        var saved = Path.ChangeExtension(model, ".checkpoint.json") + ".completed";
        var single = MpiJob.Run(1, "train", _diabetes, "--solver", "lbfgs", "--quiet", "--model", model, "--resume",
            saved);
        Assert.That(single.ExitCode, Is.EqualTo(ExitCodes.Usage), single.ToString());
        Assert.That(single.Errors, Does.Contain("is a checkpoint of a regularization path or cross-validation"));
        var other = MpiJob.Run(1, [.. path[..^4], "--model", model, "--resume", saved, "--cv", "3"]);
        Assert.That(other.ExitCode, Is.EqualTo(ExitCodes.Usage), other.ToString());
        Assert.That(other.Errors, Does.Contain("was made for l2 1..0.01, 3 penalties, 0 folds, cold starts, this run " +
            "asks for l2 1..0.01, 3 penalties, 3 folds"), other.ToString());
    }
}
