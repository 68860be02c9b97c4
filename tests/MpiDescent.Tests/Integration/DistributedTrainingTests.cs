using System.Text.Json;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Integration;

/// <summary>End to end at real MPI rank counts: launches mpiexec.mpich with the built program on scikit-learn's
/// diabetes data.</summary>
[NonParallelizable]
public class DistributedTrainingTests
{
    private string _dir = "";
    private string _data = "";
    private string _synthetic = "";
    private string _cancer = "";
    private string _digitsTrain = "";
    private string _digitsTest = "";

    [OneTimeSetUp]
    public void ConvertDiabetes()
    {
        _dir = TestData.TempDirectory();
        _data = Path.Combine(_dir, "diabetes.bin");
        var convert = MpiJob.Run(0, "convert", TestData.DiabetesCsv, _data, "--label", "target");
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
        _cancer = Path.Combine(_dir, "cancer.bin");
        Assert.That(MpiJob.Run(0, "convert", Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
            "breast_cancer.csv"), _cancer).ExitCode, Is.EqualTo(0));
        // digits: the first 1347 rows train, the last 450 test (as scikit-learn's figure in docs/models.md).
        var digits = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "digits.csv"));
        File.WriteAllLines(Path.Combine(_dir, "digits-train.csv"), digits.Take(1348));
        File.WriteAllLines(Path.Combine(_dir, "digits-test.csv"), digits.Take(1).Concat(digits.Skip(1348)));
        _digitsTrain = Path.Combine(_dir, "digits-train.bin");
        _digitsTest = Path.Combine(_dir, "digits-test.bin");
        Assert.That(MpiJob.Run(0, "convert", Path.Combine(_dir, "digits-train.csv"), _digitsTrain).ExitCode,
            Is.EqualTo(0));
        Assert.That(MpiJob.Run(0, "convert", Path.Combine(_dir, "digits-test.csv"), _digitsTest).ExitCode,
            Is.EqualTo(0));
        _synthetic = Path.Combine(_dir, "synthetic.bin");
        Assert.That(MpiJob.Run(0, "generate", _synthetic, "--rows", "3001", "--features", "6", "--noise", "0.5",
            "--seed", "4").ExitCode, Is.EqualTo(0));
    }

    [OneTimeTearDown]
    public void CleanUp() => Directory.Delete(_dir, recursive: true);

    private static (double[] Weights, double Intercept, double Loss) ReadModel(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        return (root.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            root.GetProperty("intercept").GetDouble(), root.GetProperty("finalLoss").GetDouble());
    }

    private (double[] Weights, double Intercept, double Loss) Train(int ranks, string name, params string[] options) =>
        TrainOn(_data, ranks, name, options);

    private (double[] Weights, double Intercept, double Loss) TrainOn(string data, int ranks, string name,
        params string[] options)
    {
        var model = Path.Combine(_dir, name);
        var outcome = MpiJob.Run(ranks, new[] { "train", data, "--model", model }.Concat(options));
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        if (ranks > 1) Assert.That(outcome.Output, Does.Contain($"weights identical on all {ranks} ranks"));
        return ReadModel(model);
    }

    /// <summary>The full gradient at θ = 0, computed in this process from the same file.</summary>
    private double[] SingleProcessGradientAtZero(Summation summation)
    {
        var header = DataFileHeader.Read(_data);
        var comm = new SingleProcessCommunicator();
        var shard = ShardLoader.Load(_data, header, 0, header.Rows, 0);
        var objective = new LinearObjective(shard, new RowPartition(header.Rows, 1), comm,
            new ObjectiveSettings(FitIntercept: true, Summation: summation));
        var gradient = new double[objective.Dimension];
        objective.Evaluate(new double[objective.Dimension], gradient);
        return gradient;
    }

    [Test]
    public void Train_OneStepOfSizeOne_DistributedGradientEqualsSingleProcess([Values(1, 2, 3, 4)] int ranks,
        [Values("reproducible", "plain")] string summation)
    {
        // From θ = 0 one step with learning rate 2^-40 leaves θ = −2^-40·∇J(0) exactly (scaling by a power of two is
        // exact): the model file carries the distributed gradient.
        double rate = Math.ScaleB(1, -40);
        var (w, b, _) = Train(ranks, $"grad{ranks}{summation}.json", "--max-iterations", "1", "--learning-rate",
            rate.ToString("R"), "--tolerance", "0",
            "--summation", summation, "--quiet");
        var distributed = w.Append(b).Select(v => -Math.ScaleB(v, 40)).ToArray();
        var reference = SingleProcessGradientAtZero(summation == "plain" ? Summation.Plain : Summation.Reproducible);
        double scale = VectorMath.Norm(reference);
        for (int k = 0; k < reference.Length; k++) Assert.That(distributed[k],
            Is.EqualTo(reference[k]).Within(1e-12 * scale), $"component {k}");
        if (summation == "reproducible") Assert.That(distributed, Is.EqualTo(reference), "bitwise");
    }

    [Test]
    public void Train_GdStandardizedAtTwoRanks_ReachesExactSolversLossWithin1e6()
    {
        var (x, y, rows, d) = TestData.LoadDiabetes();
        double qrLoss = Shards.Loss(x, y, d, Shards.QrSolution(x, y, d));
        var exact = Train(1, "exact.json", "--solver", "exact", "--quiet");
        var gd = Train(2, "gd.json", "--standardize", "--max-iterations", "20000", "--tolerance", "1e-7", "--quiet");
        Assert.That(exact.Loss, Is.EqualTo(qrLoss).Within(1e-10).Percent, "exact solver vs QR");
        Assert.That((gd.Loss - exact.Loss) / exact.Loss, Is.LessThan(1e-6).And.GreaterThanOrEqualTo(-1e-12),
            "gd vs exact");
        Assert.That(rows, Is.EqualTo(442));
    }

    [Test]
    public void Train_ExactAtThreeRanks_MatchesIndependentQrSolve()
    {
        var (x, y, _, d) = TestData.LoadDiabetes();
        var qr = Shards.QrSolution(x, y, d);
        var (w, b, _) = Train(3, "exact3.json", "--solver", "exact", "--quiet");
        var theta = w.Append(b).ToArray();
        for (int k = 0; k < qr.Length; k++) Assert.That(theta[k], Is.EqualTo(qr[k]).Within(1e-8 * Math.Max(1,
            Math.Abs(qr[k]))), $"component {k}");
    }

    /// <summary>float32 storage end to end: convert --dtype float32, train at several ranks, and compare with a float64
    /// file holding the same rounded values trained at one rank: the same model bit for bit, also at 128-bit
    /// vectors.</summary>
    [TestCase(3, "")]
    [TestCase(2, "DOTNET_EnableAVX=0")]
    public void Train_Float32File_SameModelAsFloat64FileOfTheRoundedValues(int ranks, string environment)
    {
        var env = environment.Length == 0 ? null
            : new Dictionary<string, string> { [environment.Split('=')[0]] = environment.Split('=')[1] };
        var singles = Path.Combine(_dir, "cancer32.bin");
        var convert = MpiJob.Run(0, ["convert", Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
            "breast_cancer.csv"), singles, "--dtype", "float32"], env);
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
        var header = DataFileHeader.Read(singles);
        var shard = ShardLoader.Load(singles, header, 0, header.Rows, 0);
        var doubles = Path.Combine(_dir, "cancer32as64.bin");
        using (var writer = new DataFileWriter(doubles, header.Features))
        {
            var row = new double[header.Features];
            for (int i = 0; i < shard.Rows; i++)
            {
                shard.Features.CopyRow(i, row);
                writer.WriteRow(row, shard.Labels[i]);
            }
            writer.Complete();
        }
        string[] options = ["--solver", "lbfgs", "--loss", "logistic", "--l2", "0.01", "--max-iterations", "15",
            "--quiet"];
        (double[] Weights, double Intercept, double Loss) Run(string data, int n, string name)
        {
            var model = Path.Combine(_dir, name);
            var outcome = MpiJob.Run(n, new[] { "train", data, "--model", model }.Concat(options), env);
            Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
            return ReadModel(model);
        }
        var reference = Run(doubles, 1, "f64.json");
        var model = Run(singles, ranks, "f32.json");
        Assert.That(model.Weights, Is.EqualTo(reference.Weights));
        Assert.That(model.Intercept, Is.EqualTo(reference.Intercept));
        Assert.That(model.Loss, Is.EqualTo(reference.Loss));
    }

    [TestCase("diabetes", "gd", "--standardize", "--max-iterations", "30")]
    [TestCase("diabetes", "sgd", "--standardize", "--epochs", "1", "--batch-size", "64", "--seed", "3")]
    [TestCase("diabetes", "exact")]
    [TestCase("synthetic", "gd", "--max-iterations", "20")]
    [TestCase("synthetic", "sgd", "--epochs", "1", "--batch-size", "500", "--seed", "8")]
    [TestCase("synthetic", "exact")]
    [TestCase("synthetic", "lbfgs", "--max-iterations", "10")]
    [TestCase("synthetic", "momentum", "--max-iterations", "10")]
    [TestCase("synthetic", "nesterov", "--max-iterations", "10")]
    [TestCase("synthetic", "adam", "--max-iterations", "10")]
    [TestCase("diabetes", "lbfgs", "--standardize", "--max-iterations", "15")]
    [TestCase("diabetes", "momentum", "--standardize", "--max-iterations", "15")]
    [TestCase("diabetes", "nesterov", "--standardize", "--max-iterations", "15")]
    [TestCase("diabetes", "adam", "--standardize", "--max-iterations", "15")]
    [TestCase("diabetes", "gd", "--standardize", "--max-iterations", "8", "--line-search", "--l2", "0.01")]
    [TestCase("cancer", "lbfgs", "--loss", "logistic", "--standardize", "--l2", "0.002", "--max-iterations", "15")]
    [TestCase("diabetes", "lbfgs", "--standardize", "--elastic-net", "0.5", "--regularization", "3",
        "--max-iterations", "15")]
    [TestCase("digits", "lbfgs", "--loss", "softmax", "--standardize", "--l2", "0.01", "--max-iterations", "8")]
    [TestCase("cancer", "newton", "--loss", "logistic", "--standardize", "--l2", "0.002", "--max-iterations", "4")]
    [TestCase("digits", "newton", "--loss", "softmax", "--standardize", "--l2", "0.01", "--max-iterations", "2")]
    [TestCase("diabetes", "newton", "--standardize", "--max-iterations", "3")]
    [TestCase("cancer", "dcd", "--loss", "hinge", "--standardize", "--l2", "0.002", "--max-iterations", "6",
        "--seed", "3")]
    [TestCase("digits", "lbfgs", "--loss", "softmax", "--standardize", "--validation-fraction", "0.2", "--patience",
        "3", "--max-iterations", "30")]
    [TestCase("diabetes", "sgd", "--standardize", "--l1", "1", "--schedule", "inverse-scaling", "--epochs", "2",
        "--batch-size", "32", "--seed", "1")]
    [TestCase("cancer", "sgd", "--loss", "squared-hinge", "--class-weight", "balanced", "--standardize", "--epochs",
        "1", "--batch-size", "50", "--seed", "2")]
    public void Train_RankCounts1To7_BitwiseIdenticalModels(string dataSet, string solver, params string[] options)
    {
        var data = dataSet switch
        {
            "diabetes" => _data,
            "cancer" => _cancer,
            "digits" => _digitsTrain,
            _ => _synthetic,
        };
        var models = new[] { 1, 2, 3, 4, 7 }.Select(n => TrainOn(data, n, $"repro-{dataSet}-{solver}-{n}.json",
            new[] { "--solver", solver, "--quiet" }.Concat(options).ToArray())).ToArray();
        foreach (var model in models[1..])
        {
            Assert.That(model.Weights, Is.EqualTo(models[0].Weights));
            Assert.That(model.Intercept, Is.EqualTo(models[0].Intercept));
            Assert.That(model.Loss, Is.EqualTo(models[0].Loss));
        }
        // The whole model file (softmax's weight matrix included) but for the fields that name the rank count and a
        // drawn seed, as scripts/check-rank-invariance.sh compares them.
        var reference = WithoutRanksAndSeed(Path.Combine(_dir, $"repro-{dataSet}-{solver}-1.json"));
        foreach (int n in new[] { 2, 3, 4, 7 })
            Assert.That(WithoutRanksAndSeed(Path.Combine(_dir, $"repro-{dataSet}-{solver}-{n}.json")),
                Is.EqualTo(reference), $"the model file at {n} ranks");
    }

    /// <summary>A model file's text without its "ranks" and "seed" fields.</summary>
    private static string WithoutRanksAndSeed(string path) =>
        string.Join("\n", File.ReadAllLines(path).Where(l => !l.TrimStart().StartsWith("\"ranks\":")
            && !l.TrimStart().StartsWith("\"seed\":")));

    [Test]
    public void PredictAndEvaluate_ThreeRanks_MatchInProcessComputation()
    {
        var model = Path.Combine(_dir, "for-predict.json");
        Assert.That(MpiJob.Run(1, "train", _data, "--solver", "exact", "--model", model, "--quiet").ExitCode,
            Is.EqualTo(0));
        var (w, b, _) = ReadModel(model);
        var (x, y, rows, d) = TestData.LoadDiabetes();
        var expected = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, d).Sum(j => x[i * d + j] * w[j])
            + b).ToArray();

        var csv = Path.Combine(_dir, "predictions.csv");
        var predict = MpiJob.Run(3, "predict", model, _data, "--output", csv);
        Assert.That(predict.ExitCode, Is.EqualTo(0), predict.ToString());
        var lines = File.ReadAllLines(csv);
        Assert.That(lines[0], Is.EqualTo("prediction"));
        Assert.That(lines.Length, Is.EqualTo(rows + 1));
        for (int i = 0; i < rows; i++) Assert.That(double.Parse(lines[i + 1]),
            Is.EqualTo(expected[i]).Within(1e-9 * Math.Abs(expected[i])), $"row {i}");

        var evaluate = MpiJob.Run(3, "evaluate", model, _data);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        double mse = expected.Select((p, i) => (p - y[i]) * (p - y[i])).Average();
        double mean = y.Average();
        double r2 = 1 - expected.Select((p, i) => (p - y[i]) * (p - y[i])).Sum() / y.Sum(v => (v - mean) * (v - mean));
        Assert.That(Metric(evaluate.Output, "mse"), Is.EqualTo(mse).Within(1e-8).Percent);
        Assert.That(Metric(evaluate.Output, "r2"), Is.EqualTo(r2).Within(1e-8).Percent);
        Assert.That(Metric(evaluate.Output, "mae"), Is.EqualTo(expected.Select((p, i) =>
            Math.Abs(p - y[i])).Average()).Within(1e-8).Percent);
    }

    private static double Metric(string output, string name) =>
        double.Parse(output.Split('\n').First(l => l.StartsWith(name + " ")).Split(' ',
            StringSplitOptions.RemoveEmptyEntries)[1]);

    [Test]
    public void TrainPredictEvaluate_LogisticAtTwoRanks_ClassesProbabilitiesAndMetrics()
    {
        var model = Path.Combine(_dir, "cancer-model.json");
        var train = MpiJob.Run(2, "train", _cancer, "--loss", "logistic", "--solver", "lbfgs", "--standardize", "--l2",
            "0.0017574692442882249", "--model", model);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain("classes: 212 negative, 357 positive"));
        var classes = Path.Combine(_dir, "classes.csv");
        var probabilities = Path.Combine(_dir, "proba.csv");
        Assert.That(MpiJob.Run(3, "predict", model, _cancer, "--output", classes).ExitCode, Is.EqualTo(0));
        Assert.That(MpiJob.Run(3, "predict", model, _cancer, "--output", probabilities, "--proba").ExitCode,
            Is.EqualTo(0));
        var c = File.ReadAllLines(classes);
        var p = File.ReadAllLines(probabilities);
        Assert.That(c[0], Is.EqualTo("class"));
        Assert.That(p[0], Is.EqualTo("probability"));
        for (int i = 1; i < c.Length; i++)
            Assert.That(double.Parse(c[i]), Is.EqualTo(double.Parse(p[i]) > 0.5 ? 1.0 : 0.0),
                "0/1 labels as in the data; class agrees with probability");
        var evaluate = MpiJob.Run(2, "evaluate", model, _cancer);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        Assert.That(Metric(evaluate.Output, "accuracy"), Is.GreaterThan(0.98));
        Assert.That(Metric(evaluate.Output, "roc-auc"), Is.GreaterThan(0.99));
    }

    [Test]
    public void Train_LogisticOnRegressionLabels_BadInputNamingRow()
    {
        var outcome = MpiJob.Run(2, "train", _data, "--loss", "logistic");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("row 1 has label 151").And.Contain("labels 0/1 or -1/+1"));
    }

    [Test]
    public void Softmax_DigitsAtTwoRanks_HoldOutAccuracyAsScikitLearn()
    {
        // scikit-learn's LogisticRegression(C=0.1) on the same split and scaling scores 0.91556 (docs/models.md).
        var model = Path.Combine(_dir, "digits-model.json");
        var train = MpiJob.Run(2, "train", _digitsTrain, "--loss", "softmax", "--solver", "lbfgs", "--standardize",
            "--l2", (1 / (0.1 * 1347)).ToString("R"), "--max-iterations", "500", "--model", model);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain("classes: 10"));
        var evaluate = MpiJob.Run(3, "evaluate", model, _digitsTest);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        Assert.That(Metric(evaluate.Output, "accuracy"), Is.GreaterThanOrEqualTo(0.91));
        var probabilities = Path.Combine(_dir, "digits-p.csv");
        var classes = Path.Combine(_dir, "digits-c.csv");
        Assert.That(MpiJob.Run(2, "predict", model, _digitsTest, "--output", probabilities, "--proba").ExitCode,
            Is.EqualTo(0));
        Assert.That(MpiJob.Run(2, "predict", model, _digitsTest, "--output", classes).ExitCode, Is.EqualTo(0));
        var p = File.ReadAllLines(probabilities);
        var c = File.ReadAllLines(classes);
        Assert.That(p[0], Is.EqualTo(string.Join(",", Enumerable.Range(0, 10).Select(k => $"p{k}"))));
        for (int i = 1; i < p.Length; i++)
        {
            var row = p[i].Split(',').Select(double.Parse).ToArray();
            Assert.That(row.Sum(), Is.EqualTo(1).Within(1e-12));
            Assert.That(double.Parse(c[i]), Is.EqualTo(Array.IndexOf(row, row.Max())));
        }
    }

    [Test]
    public void Train_ValidationSplit_EarlyStopsAndKeepsBestIteration()
    {
        var model = Path.Combine(_dir, "early.json");
        var report = Path.Combine(_dir, "early-report.json");
        var run = MpiJob.Run(2, "train", _digitsTrain, "--loss", "softmax", "--solver", "lbfgs", "--standardize",
            "--validation-fraction", "0.2",
            "--patience", "5", "--max-iterations", "500", "--model", model, "--report", report, "--quiet");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.That(json.RootElement.GetProperty("exit").GetString(), Is.EqualTo("EarlyStopped"));
        var history = json.RootElement.GetProperty("history").EnumerateArray().ToArray();
        var best = history.MinBy(h => h.GetProperty("validationLoss").GetDouble());
        Assert.That(json.RootElement.GetProperty("finalLoss").GetDouble(),
            Is.EqualTo(best.GetProperty("loss").GetDouble()), "the model is the best-validation iteration");
        Assert.That(history.Length - 1 - best.GetProperty("iteration").GetInt32(), Is.EqualTo(5),
            "stopped after 5 iterations without improvement");
    }

    [Test]
    public void Softmax_WithL1_PenalizesEveryClassWeightVector()
    {
        var model = Path.Combine(_dir, "digits-l1.json");
        var run = MpiJob.Run(2, "train", _digitsTrain, "--loss", "softmax", "--solver", "lbfgs", "--standardize",
            "--l1", "0.02",
            "--max-iterations", "200", "--model", model, "--quiet");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(model));
        var rows = json.RootElement.GetProperty("weightMatrix").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.That(rows, Has.Length.EqualTo(10));
        for (int k = 0; k < rows.Length; k++)
            Assert.That(rows[k].Count(v => v == 0), Is.GreaterThan(10),
                $"class {k}: L1 sets many of its 64 weights to exactly 0");
    }
}
