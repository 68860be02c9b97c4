using System.Globalization;
using System.Text.RegularExpressions;

namespace MpiDescent.Tests.Integration;

/// <summary>docs/model-format.md's Python example, run as printed there by Debian's /usr/bin/python3 with
/// python3-numpy on the models of every loss, predicts what MpiDescent's predict does: so the schema and the example a
/// user copies stay true to the model file.</summary>
public partial class ModelFormatDocTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>The example: the indented block after "## Reading it in Python", up to the next unindented
    /// line.</summary>
    private static string Example()
    {
        var lines = File.ReadAllLines(Path.Combine(TestData.RepositoryRoot, "docs", "model-format.md"));
        int heading = Array.IndexOf(lines, "## Reading it in Python");
        Assert.That(heading, Is.GreaterThanOrEqualTo(0), "docs/model-format.md has the section 'Reading it in Python'");
        var block = lines.Skip(heading + 1).SkipWhile(l => !l.StartsWith("    ", StringComparison.Ordinal))
            .TakeWhile(l => l.Length == 0 || l.StartsWith("    ", StringComparison.Ordinal))
            .Select(l => l.Length == 0 ? l : l[4..]).ToArray();
        Assert.That(block, Is.Not.Empty, "the example's code block");
        return string.Join('\n', block) + "\n";
    }

    [TestCaseSource(typeof(ExportCases), nameof(ExportCases.All))]
    public void Example_EveryLoss_PrintsWhatPredictWrites(string csv, string loss, string[] options)
    {
        var (name, data, model) = ExportCases.Train(_dir, csv, loss, options);
        var example = Example();
        // The example names its model and data file as a user would; the test points both at its own.
        Assert.That(example, Does.Contain("\"cancer.model.json\"").And.Contain("\"tests/data/breast_cancer.csv\""));
        var script = Path.Combine(_dir, name + ".py");
        File.WriteAllText(script, "import sys, numpy\nnumpy.set_printoptions(threshold=sys.maxsize, " +
            "floatmode=\"unique\", linewidth=200)\n" + example.Replace("\"cancer.model.json\"", $"\"{model}\"")
                .Replace("\"tests/data/breast_cancer.csv\"", $"\"{ExportCases.Csv(csv)}\""));
        var run = MpiJob.RunCommand(["/usr/bin/python3", script]);
        Assert.That(run.ExitCode, Is.EqualTo(0), "Debian's /usr/bin/python3 with numpy runs the example " +
            $"(scripts/test.sh installs python3-numpy)\n{run}");
        var printed = ArrayEntry().Matches(run.Output).Select(m => double.Parse(m.Value,
            CultureInfo.InvariantCulture)).ToArray();

        var predictions = Path.Combine(_dir, name + ".predictions.csv");
        Assert.That(MpiJob.Run(0, "predict", model, data, "--output", predictions).ExitCode, Is.EqualTo(0));
        var expected = File.ReadAllLines(predictions).Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.That(printed, Has.Length.EqualTo(expected.Length), run.Output);
        if (loss == "squared")
        {
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
                Assert.That(printed[i], Is.EqualTo(expected[i]).Within(1e-12 * scale), $"row {i + 1}");
        }
        else
        {
            Assert.That(printed, Is.EqualTo(expected), "the same class for every row");
        }
    }

    /// <summary>One entry of a printed numpy array: a number, possibly quoted (string labels).</summary>
    [GeneratedRegex(@"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")]
    private static partial Regex ArrayEntry();
}
