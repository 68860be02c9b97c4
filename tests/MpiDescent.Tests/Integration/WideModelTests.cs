using System.Globalization;
using System.Text;
using MpiDescent.Output;

namespace MpiDescent.Tests.Integration;

/// <summary>A wide model end to end (issue 13): train writes its weights beside model.json, and predict and evaluate
/// at another rank count score with them exactly as the weights computed by hand from the text.</summary>
public class WideModelTests
{
    private const int Features = 20000;
    private string _dir = "";
    private string _text = "";
    private readonly List<(double Label, (int Index, double Value)[] Pairs)> _rows = [];

    [OneTimeSetUp]
    public void WriteText()
    {
        _dir = TestData.TempDirectory();
        var random = new Random(13);
        var text = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            var pairs = Enumerable.Range(0, 8).Select(_ => random.Next(1, Features + 1)).Distinct().Order()
                .Select(j => (j, Math.Round(random.NextDouble() * 2 - 1, 3))).ToArray();
            double label = pairs.Sum(p => p.j % 2 == 0 ? p.Item2 : -p.Item2) > 0 ? 1 : -1;
            _rows.Add((label, pairs));
            text.Append(label.ToString(CultureInfo.InvariantCulture));
            foreach (var (j, v) in pairs) text.Append(CultureInfo.InvariantCulture, $" {j}:{v}");
            text.Append('\n');
        }
        _text = Path.Combine(_dir, "wide.svm");
        File.WriteAllText(_text, text.ToString());
    }

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void TrainPredict_WideModel_WeightsFileScoresAsComputedByHand()
    {
        var model = Path.Combine(_dir, "wide.model.json");
        var train = MpiJob.Run(2, "train", _text, "--features", $"{Features}", "--loss", "logistic", "--solver",
            "lbfgs", "--l2", "0.01", "--max-iterations", "20", "--model", model);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        var weightsPath = Path.Combine(_dir, "wide.model.weights.bin");
        Assert.That(train.Output, Does.Contain($"(its {Features} weights to {weightsPath})"), train.ToString());
        Assert.That(new FileInfo(model).Length, Is.LessThan(8192), "model.json keeps settings, not 20,000 weights");

        var written = ModelFile.Read(model);
        Assert.That(written.WeightsFile!.Encoding, Is.EqualTo("pairs"), "untouched features keep weight 0");
        Assert.That(written.Weights.Count(w => w != 0), Is.GreaterThan(1000));
        var probabilities = Path.Combine(_dir, "p.csv");
        var cache = Path.Combine(_dir, "wide.svm.mpidescent.bin");
        var predict = MpiJob.Run(3, "predict", model, cache, "--proba", "--output", probabilities);
        Assert.That(predict.ExitCode, Is.EqualTo(0), predict.ToString());
        var lines = File.ReadAllLines(probabilities);
        Assert.That(lines, Has.Length.EqualTo(_rows.Count + 1));
        for (int i = 0; i < _rows.Count; i++)
        {
            double z = written.Intercept + _rows[i].Pairs.Sum(p => written.Weights[p.Index - 1] * p.Value);
            Assert.That(double.Parse(lines[i + 1], CultureInfo.InvariantCulture),
                Is.EqualTo(1 / (1 + Math.Exp(-z))).Within(1e-12), $"row {i + 1}");
        }
        var evaluate = MpiJob.Run(1, "evaluate", model, cache);
        Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
        Assert.That(evaluate.Output, Does.Contain("accuracy"));
    }

    [Test]
    public void Predict_OutputIsTheModelsWeightsFile_RefusedBeforeWriting()
    {
        var model = Path.Combine(_dir, "refuse.model.json");
        Assert.That(MpiJob.Run(0, "train", _text, "--features", $"{Features}", "--loss", "logistic",
            "--max-iterations", "2", "--model", model, "--data-cache", Path.Combine(_dir, "refuse.bin"),
            "--quiet").ExitCode, Is.EqualTo(0));
        var weightsPath = Path.Combine(_dir, "refuse.model.weights.bin");
        var before = File.ReadAllBytes(weightsPath);
        var predict = MpiJob.Run(0, "predict", model, Path.Combine(_dir, "refuse.bin"), "--output", weightsPath);
        Assert.That(predict.ExitCode, Is.EqualTo(2), predict.ToString());
        Assert.That(predict.Errors, Does.Contain("is the same file as the model's weights file"), predict.ToString());
        Assert.That(File.ReadAllBytes(weightsPath), Is.EqualTo(before));
    }
}
