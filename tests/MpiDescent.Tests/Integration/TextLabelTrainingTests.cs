using System.Text.Json;

namespace MpiDescent.Tests.Integration;

/// <summary>Text class labels end to end (issue 15): breast_cancer with its classes named, converted, trained at 2
/// ranks, predicted as names, evaluated, and refused where the names do not match.</summary>
[NonParallelizable]
public class TextLabelTrainingTests
{
    [Test]
    public void TrainPredictEvaluate_NamedClasses_NamesInModelAndPredictions()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var lines = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
                "breast_cancer.csv")).Where(l => l.Length > 0).ToArray();
            var named = lines.Take(1).Concat(lines.Skip(1).Select(l =>
                l[..l.LastIndexOf(',')] + (l.EndsWith(",1") ? ",benign" : ",malignant"))).ToArray();
            var truth = named.Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]).ToArray();
            var csv = Path.Combine(dir, "named.csv");
            File.WriteAllLines(csv, named);
            var data = Path.Combine(dir, "named.bin");
            var convert = MpiJob.Run(0, "convert", csv, data);
            Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
            Assert.That(convert.Output, Does.Contain("2 classes: 0 = benign, 1 = malignant"));

            var model = Path.Combine(dir, "m.json");
            var train = MpiJob.Run(2, "train", data, "--loss", "logistic", "--solver", "newton", "--standardize",
                "--l2", "0.001", "--quiet", "--model", model);
            Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
            using (var json = JsonDocument.Parse(File.ReadAllText(model)))
                Assert.That(json.RootElement.GetProperty("classNames").EnumerateArray().Select(e => e.GetString()),
                    Is.EqualTo(new[] { "benign", "malignant" }));

            var predictions = Path.Combine(dir, "p.csv");
            var predict = MpiJob.Run(2, "predict", model, data, "--output", predictions);
            Assert.That(predict.ExitCode, Is.EqualTo(0), predict.ToString());
            var predicted = File.ReadAllLines(predictions);
            Assert.That(predicted[0], Is.EqualTo("class"));
            Assert.That(predicted.Skip(1).Distinct().Order(), Is.EqualTo(new[] { "benign", "malignant" }));
            double accuracy = predicted.Skip(1).Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
            Assert.That(accuracy, Is.GreaterThan(0.97), "the names are the right classes");

            var evaluate = MpiJob.Run(2, "evaluate", model, data);
            Assert.That(evaluate.ExitCode, Is.EqualTo(0), evaluate.ToString());
            Assert.That(evaluate.Output, Does.Contain("accuracy"));

            var reversed = Path.Combine(dir, "reversed.bin");
            Assert.That(MpiJob.Run(0, "convert", csv, reversed, "--classes", "malignant,benign").ExitCode,
                Is.EqualTo(0));
            var refused = MpiJob.Run(2, "evaluate", model, reversed);
            Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.BadInput), refused.ToString());
            Assert.That(refused.Errors, Does.Contain("--classes benign,malignant"));

            var regression = MpiJob.Run(1, "train", data, "--quiet", "--model", Path.Combine(dir, "r.json"));
            Assert.That(regression.ExitCode, Is.EqualTo(ExitCodes.Usage), regression.ToString());
            Assert.That(regression.Errors, Does.Contain("class names"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
