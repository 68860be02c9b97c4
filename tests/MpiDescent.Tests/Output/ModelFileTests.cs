using System.Text.Json.Nodes;
using MpiDescent.Output;

namespace MpiDescent.Tests.Output;

/// <summary>A model file is checked in one place when it is read: a crafted or damaged one is an input error naming
/// the file and the field, never a crash (issue 16, point 10).</summary>
public class ModelFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static RecordedSettings Settings => new() { Solver = "lbfgs", Loss = "logistic" };

    private string Write(bool softmax)
    {
        var model = new ModelFile
        {
            Loss = softmax ? "softmax" : "logistic",
            FeatureNames = ["a", "b", "c"],
            Weights = softmax ? [] : [0.5, -1, 2],
            Intercept = 0.25,
            ClassLabels = softmax ? null : [0, 1],
            WeightMatrix = softmax ? [[1, 2, 3], [4, 5, 6], [7, 8, 9]] : null,
            Intercepts = softmax ? [0.1, 0.2, 0.3] : null,
            DataFile = "/data.bin",
            DataChecksum = "0123456789abcdef",
            Settings = Settings,
        };
        var path = Path.Combine(_dir, softmax ? "softmax.json" : "binary.json");
        Json.Write(path, model);
        return path;
    }

    private static void Edit(string path, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Read_AsWritten_GivesTheLinearModel(bool softmax)
    {
        var model = ModelFile.Read(Write(softmax)).ToLinearModel();
        Assert.That(model.Layout.Outputs, Is.EqualTo(softmax ? 3 : 1));
        Assert.That(model.Parameters, Has.Length.EqualTo(softmax ? 12 : 4));
    }

    [TestCase(false, "featureNames", "null", "field features: missing")]
    [TestCase(false, "featureNames", "[\"a\", null, \"c\"]", "field featureNames: holds a null name")]
    [TestCase(false, "features", "4", "field featureNames: 3 names for 4 features")]
    [TestCase(false, "weights", "null", "field weights")]
    [TestCase(false, "classLabels", "[]", "field classLabels")]
    [TestCase(false, "classLabels", "[0]", "field classLabels")]
    [TestCase(false, "loss", "\"foo\"", "field loss: unknown loss 'foo'")]
    [TestCase(false, "version", "99", "field version: 99")]
    [TestCase(false, "weights", "[1, 2]", "field weights: 2 weights for 3 features")]
    [TestCase(true, "weightMatrix", "[[1, 2, 3], null, [7, 8, 9]]", "field weightMatrix[1]: missing")]
    [TestCase(true, "weightMatrix", "[[1, 2, 3]]", "field weightMatrix: 1 classes")]
    [TestCase(true, "intercepts", "[0.1]", "field intercepts")]
    public void Read_CraftedField_InputErrorNamingFileAndField(bool softmax, string field, string value,
        string expected)
    {
        var path = Write(softmax);
        Edit(path, node => node[field] = JsonNode.Parse(value));
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected), e.Message);
    }

    [Test]
    public void Read_FeatureCountWithoutNames_GivesTheLinearModel()
    {
        var path = Write(false);
        Edit(path, node =>
        {
            node.Remove("featureNames");
            node["features"] = 3;
        });
        Assert.That(ModelFile.Read(path).ToLinearModel().Layout.Features, Is.EqualTo(3));
    }

    [Test]
    public void Read_FormatFieldMissing_InputError()
    {
        var path = Write(false);
        Edit(path, node => node.Remove("format"));
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.Contain("format"));
    }

    /// <summary>Random damage to both kinds of model: only a clean input error, or a model that passes every check
    /// and scores, never another exception.</summary>
    [Test]
    public void Read_RandomlyDamaged_OnlyInputErrors()
    {
        var random = new Random(5);
        foreach (bool softmax in new[] { false, true })
        {
            var path = Write(softmax);
            var original = File.ReadAllText(path);
            for (int trial = 0; trial < 1500; trial++)
            {
                var chars = original.ToCharArray();
                for (int k = random.Next(1, 4); k > 0; k--)
                    chars[random.Next(chars.Length)] = "0123456789-.,:\"[]{}nule9 a"[random.Next(26)];
                File.WriteAllText(path, new string(chars));
                try { ModelFile.Read(path).ToLinearModel(); }
                catch (InputFileException) { }
                catch (Exception e)
                {
                    Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}\n{new string(chars)}");
                }
            }
        }
    }
}
