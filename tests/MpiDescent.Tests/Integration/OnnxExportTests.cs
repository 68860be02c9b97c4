using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MpiDescent.Data;

namespace MpiDescent.Tests.Integration;

/// <summary><c>export --format onnx</c> (issue 18): ONNX Runtime (Microsoft.ML.OnnxRuntime), given the exported model
/// and the same rows, predicts what MpiDescent's predict does, for every loss, on real data. ONNX-ML's linear
/// operators hold float32 coefficients and ONNX Runtime computes them in float32, so values agree to float32 rounding
/// (measured: 2.4e-7 of the largest regression value, 1.1e-6 in a probability; bounds below) and classes wherever
/// the margin is not within that rounding of a tie.</summary>
public class OnnxExportTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [OneTimeTearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static double[][] ReadCsv(string path) => File.ReadAllLines(path).Skip(1)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    [TestCaseSource(typeof(ExportCases), nameof(ExportCases.All))]
    public void Export_Onnx_OnnxRuntimeGivesOurPredictions(string csv, string loss, string[] options) =>
        Compare(csv, loss, options, float64: false);

    /// <summary>The float64 graph of standard operators: the same to float64 rounding (1e-12 asserted).</summary>
    [TestCaseSource(typeof(ExportCases), nameof(ExportCases.All))]
    public void Export_OnnxFloat64_OnnxRuntimeGivesOurPredictionsToDoubleRounding(string csv, string loss,
        string[] options) => Compare(csv, loss, options, float64: true);

    private void Compare(string csv, string loss, string[] options, bool float64)
    {
        var (name, data, model) = ExportCases.Train(_dir, csv, loss, options);
        var exported = Path.Combine(_dir, name + (float64 ? ".f8.onnx" : ".onnx"));
        string[] precision = float64 ? ["--precision", "float64"] : [];
        var export = MpiJob.Run(0, ["export", model, exported, .. precision]);
        Assert.That(export.ExitCode, Is.EqualTo(0), export.ToString());
        Assert.That(export.Output, Does.Contain(float64 ? "standard float64 operators" : "as an ONNX-ML model"));

        var header = DataFileHeader.Read(data);
        var shard = ShardLoader.Load(data, header, 0, header.Rows, 0);
        var rows = shard.Features.Doubles();
        using var session = new InferenceSession(exported);
        var input = float64 ? NamedOnnxValue.CreateFromTensor("input", new DenseTensor<double>(rows.ToArray(),
                [shard.Rows, header.Features]))
            : NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(rows.Select(v => (float)v).ToArray(),
                [shard.Rows, header.Features]));
        using var results = session.Run([input]);
        var byName = results.ToDictionary(r => r.Name);
        double bound = float64 ? 1e-12 : 1e-6, probabilityBound = float64 ? 1e-12 : 5e-6;
        double Value(DisposableNamedOnnxValue value, params int[] at) => float64 ? value.AsTensor<double>()[at]
            : value.AsTensor<float>()[at];

        var ours = Path.Combine(_dir, name + ".csv");
        Assert.That(MpiJob.Run(0, "predict", model, data, "--output", ours).ExitCode, Is.EqualTo(0));
        var predicted = ReadCsv(ours).Select(r => r[0]).ToArray();
        if (loss == "squared")
        {
            var values = Enumerable.Range(0, predicted.Length).Select(i => Value(byName["variable"], i, 0)).ToArray();
            double scale = predicted.Max(Math.Abs);
            for (int i = 0; i < predicted.Length; i++)
                Assert.That(values[i], Is.EqualTo(predicted[i]).Within(bound * scale), $"row {i + 1}");
            TestContext.Out.WriteLine($"{name}: largest difference {predicted.Select((p, i) => Math.Abs(values[i] - p))
                .Max() / scale:E2} of the largest prediction");
            return;
        }
        var labels = byName["label"].AsTensor<long>().ToArray();
        int disagreements = predicted.Where((p, i) => p != labels[i]).Count();
        Assert.That(disagreements, Is.Zero, "the same class for every row");
        if (loss is "hinge" or "squared-hinge") return;

        var probabilities = Path.Combine(_dir, name + ".proba.csv");
        Assert.That(MpiJob.Run(0, "predict", model, data, "--output", probabilities, "--proba").ExitCode,
            Is.EqualTo(0));
        var expected = ReadCsv(probabilities);
        var theirs = byName["probabilities"];
        int classes = loss == "softmax" ? 10 : 2;
        double largest = 0;
        var dimensions = float64 ? theirs.AsTensor<double>().Dimensions.ToArray()
            : theirs.AsTensor<float>().Dimensions.ToArray();
        Assert.That(dimensions, Is.EqualTo(new[] { shard.Rows, classes }));
        for (int i = 0; i < expected.Length; i++)
            for (int k = 0; k < classes; k++)
            {
                double p = loss == "softmax" ? expected[i][k] : k == 1 ? expected[i][0] : 1 - expected[i][0];
                Assert.That(Value(theirs, i, k), Is.EqualTo(p).Within(probabilityBound), $"row {i + 1}, class {k}");
                largest = Math.Max(largest, Math.Abs(Value(theirs, i, k) - p));
            }
        TestContext.Out.WriteLine($"{name}: largest probability difference {largest:E2}");
    }

    [Test]
    public void Export_TextClassNames_KeptAsStringLabels()
    {
        var csv = Path.Combine(_dir, "named.csv");
        File.WriteAllLines(csv, ["a,b,y", "0,1,no", "1,0,yes", "0.2,0.9,no", "0.8,0.1,yes", "0.4,0.6,no"]);
        var data = Path.Combine(_dir, "named.bin");
        var model = Path.Combine(_dir, "named.json");
        Assert.That(MpiJob.Run(0, "convert", csv, data).ExitCode, Is.EqualTo(0));
        Assert.That(MpiJob.Run(0, "train", data, "--loss", "logistic", "--l2", "0.1", "--model", model, "--quiet")
            .ExitCode, Is.EqualTo(0));
        var exported = Path.Combine(_dir, "named.onnx");
        Assert.That(MpiJob.Run(0, "export", model, exported, "--format", "onnx").ExitCode, Is.EqualTo(0));
        using var session = new InferenceSession(exported);
        var input = new DenseTensor<float>(new float[] { 0, 1, 1, 0 }, [2, 2]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        Assert.That(results.First(r => r.Name == "label").AsTensor<string>().ToArray(),
            Is.EqualTo(new[] { "no", "yes" }));
    }
}
