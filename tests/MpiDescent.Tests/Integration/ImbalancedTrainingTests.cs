using System.Globalization;

namespace MpiDescent.Tests.Integration;

/// <summary>Imbalanced classes from the command line under MPI: a file sorted by class (every rank but one holds a
/// single class) at 1:49, sgd with --balance, a stratified validation split, and evaluate's per-class metrics and
/// confusion matrix against the predictions.</summary>
public class ImbalancedTrainingTests
{
    private const int Features = 4;
    private static string _dir = "";
    private static string _data = "";
    private static double[] _labels = [];

    [OneTimeSetUp]
    public void WriteData()
    {
        _dir = TestData.TempDirectory();
        var random = new Random(8);
        var x = new List<double>();
        var labels = new List<double>();
        // 60 positives first, then 2940 negatives: at 3 ranks, ranks 1 and 2 hold negatives only.
        for (int i = 0; i < 3000; i++)
        {
            bool positive = i < 60;
            for (int j = 0; j < Features; j++) x.Add(random.NextDouble() * 2 - 1 + (positive ? 0.5 : 0));
            labels.Add(positive ? 1 : 0);
        }
        _labels = labels.ToArray();
        _data = TestData.WriteDataFile(_dir, x.ToArray(), _labels, Features, "sorted-imbalanced.bin");
    }

    private static readonly string[] Options = ["--loss", "logistic", "--solver", "sgd", "--learning-rate", "0.5",
        "--batch-size", "32", "--epochs", "4", "--validation-fraction", "0.2", "--seed", "5"];

    private static double Metric(string output, string name) => double.Parse(output.Split('\n')
        .First(l => l.StartsWith(name + " ")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
        CultureInfo.InvariantCulture);

    /// <summary>The printed confusion matrix, [actual, predicted].</summary>
    private static long[,] Confusion(string output)
    {
        var lines = output.Split('\n');
        int at = Array.FindIndex(lines, l => l.StartsWith("confusion matrix"));
        Assert.That(at, Is.GreaterThan(0), output);
        var matrix = new long[2, 2];
        for (int a = 0; a < 2; a++)
        {
            var cells = lines[at + 2 + a].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(cells[0], Is.EqualTo(a.ToString()), "rows named by the data's labels");
            for (int p = 0; p < 2; p++) matrix[a, p] = long.Parse(cells[1 + p]);
        }
        return matrix;
    }

    [Test]
    public void TrainEvaluate_BalancedSgdOnSortedImbalancedFile_RecallOfTheMinorityAndAnExactConfusionMatrix()
    {
        string balanced = Path.Combine(_dir, "balanced.json"), plain = Path.Combine(_dir, "plain.json");
        var train = MpiJob.Run(3, ["train", _data, .. Options, "--balance", "oversample", "--model", balanced]);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain("validation: 600 of 3000 rows held out (fraction 0.2, stratified by "
            + "class)"), "exactly 12 of the 60 positives and 588 of the 2940 negatives");
        Assert.That(train.Output, Does.Contain("class weights 0.510204 and 25"));
        Assert.That(train.Errors, Does.Contain("hold a single class"));
        var trainPlain = MpiJob.Run(2, ["train", _data, .. Options, "--model", plain]);
        Assert.That(trainPlain.ExitCode, Is.EqualTo(0), trainPlain.ToString());

        var evaluate = MpiJob.Run(3, "evaluate", balanced, _data);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        var classes = Path.Combine(_dir, "classes.csv");
        Assert.That(MpiJob.Run(2, "predict", balanced, _data, "--output", classes).ExitCode, Is.EqualTo(0));
        var predicted = File.ReadAllLines(classes).Skip(1).Select(double.Parse).ToArray();
        var matrix = Confusion(evaluate.Output);
        for (int a = 0; a < 2; a++)
            for (int p = 0; p < 2; p++)
                Assert.That(matrix[a, p], Is.EqualTo(Enumerable.Range(0, 3000).Count(i => _labels[i] == a
                    && predicted[i] == p)), $"actual {a}, predicted {p}");
        double recall0 = matrix[0, 0] / 2940.0, recall1 = matrix[1, 1] / 60.0;
        Assert.That(Metric(evaluate.Output, "balanced-accuracy"), Is.EqualTo((recall0 + recall1) / 2).Within(1e-15));
        Assert.That(Metric(evaluate.Output, "recall"), Is.EqualTo(recall1).Within(1e-15), "binary recall: positives");

        var evaluatePlain = MpiJob.Run(2, "evaluate", plain, _data);
        Assert.That(evaluatePlain.ExitCode, Is.EqualTo(0), evaluatePlain.ToString());
        TestContext.Out.WriteLine(evaluate.Output + evaluatePlain.Output);
        Assert.That(Metric(evaluatePlain.Output, "recall"), Is.LessThan(0.2), "plain sgd misses the minority");
        Assert.That(recall1, Is.GreaterThan(0.6), "balanced sgd finds it");
        Assert.That(Metric(evaluate.Output, "balanced-accuracy"),
            Is.GreaterThan(Metric(evaluatePlain.Output, "balanced-accuracy") + 0.2));
    }

    [Test]
    public void Train_BalanceWithFullBatchSolver_RefusedNamingTheAlternative()
    {
        var outcome = MpiJob.Run(1, "train", _data, "--loss", "logistic", "--solver", "lbfgs", "--balance",
            "undersample");
        Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("--balance applies to --solver sgd").And
            .Contain("--class-weight balanced"));
    }
}
