using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MpiDescent.Tests.Integration;

/// <summary>Sparse data end to end at real MPI rank counts (issue 13): LIBSVM text converted sparse (and dense for
/// comparison), trained with each kind of solver at 1, 2, 3, 4 and 7 ranks to bitwise the same model, resumed at
/// another rank count, scored by predict and evaluate.</summary>
[NonParallelizable]
public class SparseTrainingTests
{
    private string _dir = "";
    private string _sparse = "", _dense = "", _regression = "", _regressionDense = "", _classes = "";

    [OneTimeSetUp]
    public void Convert()
    {
        _dir = TestData.TempDirectory();
        var random = new Random(21);
        const int rows = 1500, d = 400;
        var w = Enumerable.Range(0, 3 * d).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var binary = new StringBuilder();
        var regression = new StringBuilder();
        var classes = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        for (int i = 0; i < rows; i++)
        {
            // Power-law feature frequencies: low indices are common, as words in text are.
            var indices = Enumerable.Range(0, 1 + random.Next(25)).Select(_ =>
                (int)Math.Min(d - 1, Math.Floor(Math.Pow(d, random.NextDouble())) - 1 + random.Next(2))).Distinct()
                .Order().ToArray();
            var values = indices.Select(_ => Math.Round(random.NextDouble() * 3, 4)).ToArray();
            var z = new double[3];
            for (int k = 0; k < 3; k++)
                for (int e = 0; e < indices.Length; e++) z[k] += w[k * d + indices[e]] * values[e];
            string pairs = string.Concat(indices.Select((j, e) => $" {j + 1}:{values[e].ToString(c)}"));
            binary.Append(z[0] + random.NextDouble() - 0.5 > 0 ? "+1" : "-1").Append(pairs).Append('\n');
            regression.Append((z[0] + 0.1 * random.NextDouble()).ToString("R", c)).Append(pairs).Append('\n');
            classes.Append(Array.IndexOf(z, z.Max())).Append(pairs).Append('\n');
        }
        string Write(string name, StringBuilder text)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, text.ToString());
            return path;
        }
        var binaryText = Write("binary", binary);
        _sparse = Convert(binaryText, "binary.bin", "--features", $"{d}");
        _dense = Convert(binaryText, "binary-dense.bin", "--features", $"{d}", "--layout", "dense");
        var regressionText = Write("regression", regression);
        _regression = Convert(regressionText, "regression.bin");
        _regressionDense = Convert(regressionText, "regression-dense.bin", "--layout", "dense");
        _classes = Convert(Write("classes", classes), "classes.bin");
    }

    private string Convert(string input, string name, params string[] options)
    {
        var output = Path.Combine(_dir, name);
        var outcome = MpiJob.Run(0, new[] { "convert", input, output }.Concat(options));
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        bool dense = options.Contains("dense");
        Assert.That(outcome.Output, dense ? Does.Not.Contain("sparse") : Does.Contain("sparse:"), outcome.Output);
        return output;
    }

    [OneTimeTearDown]
    public void CleanUp() => Directory.Delete(_dir, recursive: true);

    private string Train(string data, int ranks, string name, IEnumerable<string> options,
        Dictionary<string, string>? environment = null, int expected = 0)
    {
        var model = Path.Combine(_dir, name);
        var outcome = MpiJob.Run(ranks, new[] { "train", data, "--model", model, "--quiet" }.Concat(options),
            environment);
        Assert.That(outcome.ExitCode, Is.EqualTo(expected), outcome.ToString());
        return model;
    }

    private static string ModelWithoutRanksAndSeed(string path) =>
        string.Join("\n", File.ReadAllLines(path).Where(l => !l.TrimStart().StartsWith("\"ranks\":")
            && !l.TrimStart().StartsWith("\"seed\":") && !l.TrimStart().StartsWith("\"dataFile\":")));

    private static double[] Weights(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(model));
        return json.RootElement.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble())
            .Append(json.RootElement.GetProperty("intercept").GetDouble()).ToArray();
    }

    [TestCase("binary", "lbfgs", "--loss", "logistic", "--standardize", "--l2", "0.001", "--max-iterations", "12")]
    [TestCase("binary", "lbfgs", "--loss", "logistic", "--l1", "0.002", "--max-iterations", "10")]
    [TestCase("binary", "sgd", "--loss", "hinge", "--epochs", "1", "--batch-size", "100", "--seed", "5",
        "--class-weight", "balanced")]
    [TestCase("regression", "adam", "--max-iterations", "10")]
    [TestCase("classes", "lbfgs", "--loss", "softmax", "--l2", "0.01", "--max-iterations", "6")]
    [TestCase("binary", "newton", "--loss", "squared-hinge", "--l2", "0.001", "--max-iterations", "3")]
    public void Train_SparseRankCounts1To7_BitwiseIdenticalModels(string dataSet, string solver,
        params string[] options)
    {
        var data = dataSet switch { "binary" => _sparse, "regression" => _regression, _ => _classes };
        var models = new[] { 1, 2, 3, 4, 7 }.Select(n => Train(data, n, $"{dataSet}-{solver}-{n}.json",
            new[] { "--solver", solver }.Concat(options))).ToArray();
        var reference = ModelWithoutRanksAndSeed(models[0]);
        foreach (var model in models[1..]) Assert.That(ModelWithoutRanksAndSeed(model), Is.EqualTo(reference), model);
    }

    /// <summary>The same rows stored dense and sparse give the same model: the exact solver's (normal equations, the
    /// same sums in both layouts) to within 1e-12 relative; an iterative solver's to its convergence accuracy, since
    /// objectives that differ in the last bits (a dense margin is summed in SIMD lanes, a sparse one entry by entry)
    /// stop at slightly different iterates: Newton, quadratically convergent, to 1e-11 (lbfgs asked for 1e-12 stops
    /// where its line search finds no decrease, at iterates that differ by about 1e-8). With --standardize the two
    /// solve different problems in the scaled space (dense features are centered, sparse ones only scaled) with the
    /// same optimum in the original scale.</summary>
    [TestCase("exact", false, 1e-12)]
    [TestCase("newton", false, 1e-11)]
    [TestCase("lbfgs", true, 1e-7)]
    public void Train_SparseAndDenseFilesOfTheSameRows_SameModel(string solver, bool standardize, double tolerance)
    {
        bool exact = solver == "exact";
        var options = new[] { "--solver", solver, "--l2", "0.01" }
            .Concat(exact ? [] : ["--loss", "logistic", "--tolerance", "1e-12", "--max-iterations", "300"])
            .Concat(standardize ? ["--standardize"] : Array.Empty<string>()).ToArray();
        var sparse = Weights(Train(exact ? _regression : _sparse, 2, "same-sparse.json", options));
        var dense = Weights(Train(exact ? _regressionDense : _dense, 2, "same-dense.json", options));
        double scale = dense.Max(Math.Abs);
        for (int k = 0; k < dense.Length; k++)
            Assert.That(sparse[k], Is.EqualTo(dense[k]).Within(tolerance * scale), $"parameter {k}");
    }

    [Test]
    public void Train_PartitionModelAt2To4Ranks_BitwiseTheReplicatedModelWithSlicesReported()
    {
        string[] options = ["--solver", "lbfgs", "--loss", "logistic", "--l2", "0.001", "--max-iterations", "8",
            "--tolerance", "0"];
        var reference = ModelWithoutRanksAndSeed(Train(_sparse, 1, "partition-1.json", options));
        foreach (int ranks in new[] { 2, 3, 4 })
        {
            var report = Path.Combine(_dir, $"partition-{ranks}.report.json");
            var model = Train(_sparse, ranks, $"partition-{ranks}.json",
                options.Concat(["--partition-model", "--report", report]));
            Assert.That(ModelWithoutRanksAndSeed(model), Is.EqualTo(reference), $"{ranks} ranks");
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var parameters = json.RootElement.GetProperty("parameters");
            Assert.That(parameters.GetProperty("partitioned").GetBoolean());
            var owned = parameters.GetProperty("parametersOwned").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.That(owned, Has.Length.EqualTo(ranks));
            Assert.That(owned.Sum(), Is.EqualTo(401), "every weight and the intercept, once");
            Assert.That(owned.Max() - owned.Min(), Is.LessThanOrEqualTo(7),
                "even slices of whole groups of 4, but the last");
            var touched = parameters.GetProperty("featuresTouched").EnumerateArray().Select(e => e.GetInt64());
            Assert.That(touched, Is.All.InRange(1, 400));
            Assert.That(parameters.GetProperty("movedBytesPerEvaluation").EnumerateArray().Select(e => e.GetDouble()),
                Is.All.GreaterThan(0));
            Assert.That(parameters.GetProperty("replicatedAllreduceBytes").GetInt64(), Is.GreaterThan(0));
        }
    }

    [Test]
    public void Train_SparseSignalThenResumeAtOtherRankCount_BitwiseEqualsUninterrupted()
    {
        string[] options = ["--solver", "lbfgs", "--loss", "logistic", "--l2", "0.001", "--max-iterations", "30",
            "--tolerance", "0"];
        var full = Train(_sparse, 2, "resume-full.json", options);
        var checkpoint = Path.Combine(_dir, "resume-ck.json");
        Train(_sparse, 2, "resume-part.json", options.Append("--checkpoint").Append(checkpoint),
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "1:9" }, ExitCodes.Interrupted);
        var resumed = Train(_sparse, 3, "resume-part.json", options.Append("--resume").Append(checkpoint));
        Assert.That(Weights(resumed), Is.EqualTo(Weights(full)));
    }

    [Test]
    public void Train_PartitionedSignalThenResumeReplicatedAtOtherRankCount_BitwiseEqualsUninterrupted()
    {
        string[] options = ["--solver", "lbfgs", "--loss", "logistic", "--l2", "0.001", "--max-iterations", "20",
            "--tolerance", "0"];
        var full = Train(_sparse, 1, "partition-resume-full.json", options);
        var checkpoint = Path.Combine(_dir, "partition-resume-ck.json");
        Train(_sparse, 2, "partition-resume-part.json",
            options.Concat(["--partition-model", "--checkpoint", checkpoint]),
            new Dictionary<string, string> { ["MPIDESCENT_SIGNAL"] = "1:7" }, ExitCodes.Interrupted);
        var resumed = Train(_sparse, 3, "partition-resume-part.json", options.Append("--resume").Append(checkpoint));
        Assert.That(Weights(resumed), Is.EqualTo(Weights(full)));
    }

    [Test]
    public void PredictAndEvaluate_SparseFileAtThreeRanks_SameAsDenseFile()
    {
        var model = Train(_sparse, 1, "score.json", ["--solver", "lbfgs", "--loss", "logistic", "--l2", "0.01"]);
        var fromSparse = Path.Combine(_dir, "p-sparse.csv");
        var fromDense = Path.Combine(_dir, "p-dense.csv");
        Assert.That(MpiJob.Run(3, "predict", model, _sparse, "--output", fromSparse, "--proba").ExitCode,
            Is.EqualTo(0));
        Assert.That(MpiJob.Run(1, "predict", model, _dense, "--output", fromDense, "--proba").ExitCode,
            Is.EqualTo(0));
        var a = File.ReadAllLines(fromSparse);
        var b = File.ReadAllLines(fromDense);
        Assert.That(a.Length, Is.EqualTo(1501));
        for (int i = 1; i < a.Length; i++)
            Assert.That(double.Parse(a[i], CultureInfo.InvariantCulture),
                Is.EqualTo(double.Parse(b[i], CultureInfo.InvariantCulture)).Within(1e-14), $"row {i}");
        var evaluate = MpiJob.Run(3, "evaluate", model, _sparse);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        Assert.That(evaluate.Output, Does.Contain("accuracy"));
    }
}
