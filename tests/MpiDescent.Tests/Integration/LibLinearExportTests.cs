using System.Globalization;
using System.Text;

namespace MpiDescent.Tests.Integration;

/// <summary><c>export --format liblinear</c> (issue 18): Debian's liblinear-predict, given the exported model and the
/// same rows as LIBSVM text, predicts what MpiDescent's predict does, for every loss, on real data.</summary>
public class LibLinearExportTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void SetUp()
    {
        _dir = TestData.TempDirectory();
        if (!File.Exists("/usr/bin/liblinear-predict"))
            Assert.Fail("liblinear-predict not found: install Debian's liblinear-tools (scripts/test.sh does this)");
    }

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Csv(string name) => ExportCases.Csv(name);

    /// <summary>The CSV's rows (label last) as 1-based LIBSVM text, values round-trip exact, zeros left out.</summary>
    private string LibSvm(string csv)
    {
        var path = Path.Combine(_dir, Path.ChangeExtension(csv, ".svm"));
        if (File.Exists(path)) return path;
        var text = new StringBuilder();
        foreach (var line in File.ReadLines(Csv(csv)).Skip(1))
        {
            var values = line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            text.Append(values[^1].ToString("R", CultureInfo.InvariantCulture));
            for (int j = 0; j < values.Length - 1; j++)
                if (values[j] != 0) text.Append(CultureInfo.InvariantCulture, $" {j + 1}:{values[j]:R}");
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [TestCaseSource(typeof(ExportCases), nameof(ExportCases.All))]
    public void Export_LibLinear_LibLinearPredictGivesOurPredictions(string csv, string loss, string[] options)
    {
        var (name, data, model) = ExportCases.Train(_dir, csv, loss, options);
        var exported = Path.Combine(_dir, name + ".liblinear");
        var export = MpiJob.Run(0, "export", model, exported, "--format", "liblinear");
        Assert.That(export.ExitCode, Is.EqualTo(0), export.ToString());
        Assert.That(export.Output, Does.Contain("exported to " + exported));

        var ours = Path.Combine(_dir, name + ".csv");
        Assert.That(MpiJob.Run(0, "predict", model, data, "--output", ours).ExitCode, Is.EqualTo(0));
        var theirs = Path.Combine(_dir, name + ".out");
        var peer = MpiJob.RunCommand(["liblinear-predict", LibSvm(csv), exported, theirs]);
        Assert.That(peer.ExitCode, Is.EqualTo(0), peer.ToString());
        var expected = File.ReadAllLines(ours).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();
        var actual = File.ReadAllLines(theirs).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        if (loss == "squared")
            Assert.That(actual, Is.EqualTo(expected).Within(1e-9).Percent);
        else
            Assert.That(actual, Is.EqualTo(expected), "the same class for every row");

        if (loss != "logistic") return;
        var probabilities = Path.Combine(_dir, name + ".proba.csv");
        Assert.That(MpiJob.Run(0, "predict", model, data, "--output", probabilities, "--proba").ExitCode,
            Is.EqualTo(0));
        var peerProbabilities = Path.Combine(_dir, name + ".proba.out");
        Assert.That(MpiJob.RunCommand(["liblinear-predict", "-b", "1", LibSvm(csv), exported, peerProbabilities])
            .ExitCode, Is.EqualTo(0));
        var lines = File.ReadAllLines(peerProbabilities);
        Assert.That(lines[0], Is.EqualTo("labels 1 0"));
        var p = File.ReadAllLines(probabilities).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();
        for (int i = 0; i < p.Length; i++)
            Assert.That(double.Parse(lines[i + 1].Split(' ')[1], CultureInfo.InvariantCulture),
                Is.EqualTo(p[i]).Within(1e-5), $"row {i + 1}: LIBLINEAR prints 6 significant digits");
    }

    [Test]
    public void Export_OutputIsTheModel_RefusedAndModelKept()
    {
        var data = Path.Combine(_dir, "refuse.bin");
        var model = Path.Combine(_dir, "refuse.json");
        Assert.That(MpiJob.Run(0, "convert", Csv("diabetes.csv"), data).ExitCode, Is.EqualTo(0));
        Assert.That(MpiJob.Run(0, "train", data, "--solver", "exact", "--model", model, "--quiet").ExitCode,
            Is.EqualTo(0));
        var before = File.ReadAllBytes(model);
        var export = MpiJob.Run(0, "export", model, model);
        Assert.That(export.ExitCode, Is.EqualTo(2), export.ToString());
        Assert.That(export.Errors, Does.Contain("is the same file as the model"), export.ToString());
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(before));
        var unknown = MpiJob.Run(0, "export", model, Path.Combine(_dir, "m.pmml"), "--format", "pmml");
        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString());
    }
}
