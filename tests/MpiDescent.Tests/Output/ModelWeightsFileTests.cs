using System.Buffers.Binary;
using System.Text.Json.Nodes;
using MpiDescent.Output;

namespace MpiDescent.Tests.Output;

/// <summary>A wide model keeps its weights in a binary file beside model.json (issue 13, "the model of a wide run stays
/// practical"): written and read back bit for bit, laid out as docs/models.md says (checked here by parsing the bytes
/// by hand), and a missing, damaged or replaced file is an input error naming it.</summary>
public class ModelWeightsFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static double[] Vector(int d, int seed, double zeroFraction)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, d).Select(_ => random.NextDouble() < zeroFraction ? 0
            : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300))).ToArray();
    }

    private string Write(double[][] weights, string name = "wide.model.json")
    {
        bool softmax = weights.Length > 1;
        var model = new ModelFile
        {
            Loss = softmax ? "softmax" : "logistic",
            Features = weights[0].Length,
            Weights = softmax ? [] : weights[0],
            Intercept = 0.25,
            ClassLabels = softmax ? null : [0, 1],
            WeightMatrix = softmax ? weights : null,
            Intercepts = softmax ? Enumerable.Range(0, weights.Length).Select(k => 0.1 * k).ToArray() : null,
            DataFile = "/data.bin",
            DataChecksum = "0123456789abcdef",
            Settings = new RecordedSettings { Solver = "lbfgs", Loss = softmax ? "softmax" : "logistic" },
        };
        var path = Path.Combine(_dir, name);
        model.Write(path);
        return path;
    }

    private static double[][] ReadBack(string path)
    {
        var model = ModelFile.Read(path);
        return model.WeightMatrix ?? [model.Weights];
    }

    private static long[] Bits(double[][] weights) =>
        weights.SelectMany(v => v).Select(BitConverter.DoubleToInt64Bits).ToArray();

    [TestCase(1, 20000, 0.0)]
    [TestCase(1, 20000, 0.9)]
    [TestCase(3, 20000, 0.0)]
    [TestCase(3, 20000, 0.95)]
    [TestCase(2, 70000, 0.0)] // more than one 65,536-value chunk per vector
    [TestCase(1, 400000, 0.8)] // about 80,000 pairs: more than one chunk of positions and of values
    public void Write_WideModel_WeightsBesideItReadBackBitForBit(int classes, int features, double zeroFraction)
    {
        var weights = Enumerable.Range(0, classes).Select(k => Vector(features, k, zeroFraction)).ToArray();
        weights[0][7] = -0.0; // a negative zero survives the pairs encoding, which leaves out only +0
        var path = Write(weights);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var record = json["weightsFile"]!;
        Assert.That(record["file"]!.GetValue<string>(), Is.EqualTo("wide.model.weights.bin"));
        Assert.That(record["encoding"]!.GetValue<string>(), Is.EqualTo(zeroFraction > 0.75 ? "pairs" : "dense"));
        Assert.That(json["weights"]!.AsArray(), Is.Empty);
        Assert.That(json["version"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(new FileInfo(path).Length, Is.LessThan(4096), "model.json stays small and readable");
        Assert.That(Bits(ReadBack(path)), Is.EqualTo(Bits(weights)));
    }

    /// <summary>The layout of docs/models.md, read by hand: the header's fields at their offsets, then the values
    /// (dense) or the positions and then the values (pairs).</summary>
    [TestCase(0.0)]
    [TestCase(0.9)]
    public void Write_WideModel_FileLaidOutAsDocumented(double zeroFraction)
    {
        var weights = new[] { Vector(16385, 3, zeroFraction), Vector(16385, 4, zeroFraction) };
        var bytes = File.ReadAllBytes(Path.Combine(_dir, Path.ChangeExtension(Path.GetFileName(Write(weights)),
            ".weights.bin")));
        long Field(int offset) => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 0, 8), Is.EqualTo("MPDWGT01"));
        Assert.That((Field(8), Field(16)), Is.EqualTo((2L, 16385L)));
        Assert.That(bytes.AsSpan(40, 24).ToArray(), Is.All.EqualTo(0));
        var expected = new double[2 * 16385];
        long n = Field(32);
        if (Field(24) == 0)
        {
            Assert.That(n, Is.EqualTo(2 * 16385));
            for (int i = 0; i < n; i++)
                expected[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(64 + 8 * i));
        }
        else
        {
            Assert.That(Field(24), Is.EqualTo(1));
            for (int i = 0; i < n; i++)
                expected[Field(64 + 8 * i)] = BinaryPrimitives.ReadDoubleLittleEndian(
                    bytes.AsSpan((int)(64 + 8 * n + 8 * i)));
        }
        Assert.That(bytes, Has.Length.EqualTo(64 + (Field(24) == 0 ? 8 : 16) * n));
        Assert.That(expected.Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(Bits(weights)));
    }

    [TestCase(ModelWeightsFile.InlineLimit, false)]
    [TestCase(ModelWeightsFile.InlineLimit + 1, true)]
    public void Write_AtTheInlineLimit_WeightsInlineUpToIt(int features, bool weightsFile)
    {
        var weights = new[] { Vector(features, 1, 0) };
        var path = Write(weights);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.That(json.ContainsKey("weightsFile") && json["weightsFile"] is not null, Is.EqualTo(weightsFile));
        Assert.That(File.Exists(ModelWeightsFile.PathFor(path)), Is.EqualTo(weightsFile));
        Assert.That(Bits(ReadBack(path)), Is.EqualTo(Bits(weights)));
    }

    [Test]
    public void Read_WeightsFileMissing_InputErrorNamingItAndTheModel()
    {
        var path = Write([Vector(20000, 1, 0)]);
        File.Delete(ModelWeightsFile.PathFor(path));
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(ModelWeightsFile.PathFor(path) + ": missing")
            .And.Contain(path).And.Contain("copy both files together"), e.Message);
    }

    [TestCase("truncate", "bytes, the model says")]
    [TestCase("flip", "its checksum is")]
    [TestCase("header", "its header does not describe")]
    [TestCase("replace", "its checksum is")]
    public void Read_WeightsFileDamagedOrReplaced_InputErrorNamingIt(string damage, string expected)
    {
        var path = Write([Vector(20000, 1, 0)]);
        var weightsPath = ModelWeightsFile.PathFor(path);
        var bytes = File.ReadAllBytes(weightsPath);
        switch (damage)
        {
            case "truncate": bytes = bytes[..^8]; break;
            case "flip": bytes[1000] ^= 1; break;
            case "header": bytes[16] ^= 1; break;
            case "replace":
                Write([Vector(20000, 2, 0)], "other.model.json");
                bytes = File.ReadAllBytes(Path.Combine(_dir, "other.model.weights.bin"));
                break;
        }
        File.WriteAllBytes(weightsPath, bytes);
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(weightsPath).And.Contain(expected)
            .And.Contain("train the model again"), e.Message);
    }

    [TestCase("file", "\"../wide.model.weights.bin\"", "field weightsFile.file")]
    [TestCase("encoding", "\"zip\"", "field weightsFile.encoding")]
    [TestCase("values", "5", "field weightsFile.values")]
    [TestCase("bytes", "64", "field weightsFile.bytes")]
    [TestCase("version", "1", "field version: 1 with a weightsFile")]
    public void Read_CraftedWeightsFileRecord_InputErrorNamingTheField(string field, string value, string expected)
    {
        var path = Write([Vector(20000, 1, 0)]);
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (field == "version") node[field] = JsonNode.Parse(value);
        else node["weightsFile"]![field] = JsonNode.Parse(value);
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected), e.Message);
    }

    private const string Noise = "0123456789-.,:\"[]{}a";

    /// <summary>Random damage to the weights file (either encoding) and to model.json's record of it: a clean input
    /// error every time (the checksum sees every byte), never another exception.</summary>
    [Test]
    public void Read_RandomlyDamaged_OnlyInputErrors()
    {
        var random = new Random(18);
        foreach (double zeroFraction in new[] { 0.0, 0.9 })
        {
            var path = Write([Vector(20000, 1, zeroFraction)]);
            var weightsPath = ModelWeightsFile.PathFor(path);
            var bytes = File.ReadAllBytes(weightsPath);
            var json = File.ReadAllText(path);
            int record = json.IndexOf("\"weightsFile\"", StringComparison.Ordinal);
            for (int trial = 0; trial < 400; trial++)
            {
                var damaged = (byte[])bytes.Clone();
                var chars = json.ToCharArray();
                if (trial % 2 == 0)
                    for (int k = random.Next(1, 4); k > 0; k--) damaged[random.Next(damaged.Length)] ^=
                        (byte)(1 << random.Next(8));
                else
                    for (int k = random.Next(1, 3); k > 0; k--)
                        chars[record + random.Next(Math.Min(200, chars.Length - record))] =
                            Noise[random.Next(Noise.Length)];
                File.WriteAllBytes(weightsPath, damaged);
                File.WriteAllText(path, new string(chars));
                try
                {
                    ModelFile.Read(path);
                    Assert.That(trial % 2, Is.EqualTo(1), $"trial {trial}: a damaged weights file was accepted");
                }
                catch (InputFileException) { }
                catch (Exception e) { Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}"); }
            }
        }
    }

    [Test]
    public void Read_WeightsInlineAndInAFile_InputError()
    {
        var path = Write([Vector(20000, 1, 0)]);
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        node["weights"] = new JsonArray(1.0, 2.0);
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<InputFileException>(() => ModelFile.Read(path))!;
        Assert.That(e.Message, Does.Contain("field weights: given inline and in weightsFile"), e.Message);
    }
}
