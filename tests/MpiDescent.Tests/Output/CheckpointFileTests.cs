using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using MpiDescent.Output;
using MpiDescent.Training.Paths;

namespace MpiDescent.Tests.Output;

/// <summary>Checkpoints are verified (a checksum over their bytes) and every field is checked on resume: a damaged or
/// crafted checkpoint is an input error naming the field, never a crash or a silent wrong model (issue 16, point
/// 5).</summary>
public class CheckpointFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private const int Dimension = 5;

    private static RecordedSettings Settings(string solver) => new()
    {
        Solver = solver,
        LearningRate = 0.1,
        LearningRateSource = "given",
        MaxIterations = 100,
        Epochs = 3,
        BatchSize = 8,
        Tolerance = 1e-6,
        Seed = 7,
        FitIntercept = true,
    };

    /// <summary>A checkpoint of 442 rows by 4 features without a state.</summary>
    private static CheckpointFile Checkpoint(string solver) => new()
    {
        DataChecksum = "0123456789abcdef",
        Rows = 442,
        Features = 4,
        Ranks = 2,
        SavedUtc = DateTime.UtcNow,
        Settings = Settings(solver),
    };

    private static double[] Vector(double scale) => Enumerable.Range(1, Dimension).Select(k => k * scale).ToArray();

    private string Write(string solver, long position = 0)
    {
        double[][]? auxiliary = solver switch
        {
            "gd" => [[0.5]],
            "adam" => [Vector(0.1), Vector(0.01)],
            "lbfgs" => [Vector(0.3), Vector(0.2), Vector(0.1), Vector(0.4)],
            "momentum" => [Vector(0.2)],
            _ => null,
        };
        var history = new[]
        {
            new IterationRecord(9, 2.5, 1.5, 0.1, 10, 0.1), new IterationRecord(10, 2.0, 1.0, 0.2, 11, 0.1),
        };
        var checkpoint = Checkpoint(solver) with
        {
            State = new SolverState(10, position, Vector(1), 9.0, 3.0, history, auxiliary),
        };
        var path = Path.Combine(_dir, $"{solver}.checkpoint.json");
        CheckpointFile.Write(path, checkpoint);
        return path;
    }

    /// <summary>Sets the checksum a writer would have written, so that the field checks are reached.</summary>
    private static void WithChecksum(string path, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var field = Encoding.UTF8.GetBytes("\"checksum\": \"");
        int at = bytes.AsSpan().IndexOf(field) + field.Length;
        Encoding.ASCII.GetBytes("0000000000000000").CopyTo(bytes, at);
        Encoding.ASCII.GetBytes(XxHash3.HashToUInt64(bytes).ToString("x16")).CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
    }

    private static void Edit(string path, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        WithChecksum(path, node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    [TestCase("gd")]
    [TestCase("adam")]
    [TestCase("lbfgs")]
    [TestCase("momentum")]
    [TestCase("sgd")]
    public void Read_AsWritten_RoundTripsAndPassesEveryCheck(string solver)
    {
        var path = Write(solver, position: solver == "sgd" ? 40 : 0);
        var checkpoint = CheckpointFile.Read(path);
        checkpoint.CheckState(path, Dimension);
        Assert.That(checkpoint.State!.Point, Is.EqualTo(Vector(1)));
    }

    [Test]
    public void Read_OneDigitChangedInThePoint_ChecksumMismatch()
    {
        var path = Write("gd");
        var text = File.ReadAllText(path);
        int at = text.IndexOf("\"point\"", StringComparison.Ordinal);
        int digit = text.IndexOf('3', at);
        File.WriteAllText(path, text[..digit] + "4" + text[(digit + 1)..]);
        var e = Assert.Throws<InputFileException>(() => CheckpointFile.Read(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("checksum mismatch"));
    }

    /// <summary>A path's checkpoint: model 0 finished, model 1 saved in progress, model 2 not started.</summary>
    private string WriteModelSearch()
    {
        var history = new[] { new IterationRecord(3, 2.0, 1.0, 0.2, 4, 0.1) };
        var finished = new OptimizationResult(Vector(2), 1.5, 1e-7, 12, ExitCondition.Converged, "converged",
            history, 1e-8, 13, 1e-6);
        var checkpoint = Checkpoint("lbfgs") with
        {
            ModelSearch = new PathProgress("l2 1..0.01, 3 penalties, 0 folds, cold starts",
            [
                PathModelProgress.Finished(finished),
                PathModelProgress.Saved(new SolverState(3, 0, Vector(1), 9.0, 3.0, history,
                    [Vector(0.3), Vector(0.2)])),
                PathModelProgress.NotStarted,
            ]),
        };
        var path = Path.Combine(_dir, "path.checkpoint.json");
        CheckpointFile.Write(path, checkpoint);
        return path;
    }

    [Test]
    public void Read_ModelSearchAsWritten_RoundTripsAndPassesEveryCheck()
    {
        var path = WriteModelSearch();
        var checkpoint = CheckpointFile.Read(path);
        checkpoint.CheckState(path, Dimension);
        Assert.That(checkpoint.State, Is.Null);
        var models = checkpoint.ModelSearch!.Models;
        Assert.That(models[0].Result!.Point, Is.EqualTo(Vector(2)));
        Assert.That((models[0].Result!.Exit, models[0].Result!.Iterations), Is.EqualTo((ExitCondition.Converged, 12)));
        Assert.That(models[1].State!.Auxiliary, Is.EqualTo(new[] { Vector(0.3), Vector(0.2) }));
        Assert.That(models[2], Is.EqualTo(PathModelProgress.NotStarted));
        Assert.That(() => checkpoint.CheckState(path, Dimension + 1), Throws.TypeOf<InputFileException>()
            .With.Message.Contains("field modelSearch.models[0].result.point"));
    }

    [TestCase("modelSearch.models[1].state.point[2]", 1, "state", "point", "[1, 2, null, 4, 5]")]
    [TestCase("modelSearch.models[1].state.iteration", 1, "state", "iteration", "-1")]
    [TestCase("modelSearch.models[0].result.exit", 0, "result", "exit", "\"interrupted\"")]
    [TestCase("modelSearch.models[0].result.point", 0, "result", "point", "[1, null, 3, 4, 5]")]
    [TestCase("modelSearch.models[2]", 2, "result", "point", "[1, 2, 3, 4, 5]")]
    public void Read_CraftedModelSearchField_InputErrorNamingIt(string field, int model, string part, string name,
        string value)
    {
        var path = WriteModelSearch();
        Edit(path, node =>
        {
            var target = node["modelSearch"]!["models"]![model]!;
            // Model 2 is given a result beside its (empty) state: it must be one or the other.
            if (model == 2)
            {
                target["state"] = JsonNode.Parse(node["modelSearch"]!["models"]![1]!["state"]!.ToJsonString());
                target["result"] = JsonNode.Parse(node["modelSearch"]!["models"]![0]!["result"]!.ToJsonString());
                return;
            }
            target[part]![name] = JsonNode.Parse(value);
        });
        var e = Assert.Throws<InputFileException>(() => CheckpointFile.Read(path))!;
        Assert.That(e.Message, Does.Contain($"field {field}"), e.Message);
    }

    [TestCase("settings.learningRate", "-0.5")]
    [TestCase("state.iteration", "-7")]
    [TestCase("state.position", "-5")]
    [TestCase("state.position", "1000000")]
    [TestCase("state.history", "null")]
    [TestCase("state.point", "null")]
    [TestCase("state.point[1]", "[1, null, 3, 4, 5]")]
    [TestCase("settings.solver", "\"newton-raphson\"")]
    [TestCase("settings.batchSize", "0")]
    [TestCase("settings.positiveClassWeight", "-1")]
    [TestCase("dataChecksum", "\"xyz\"")]
    public void Read_CraftedField_InputErrorNamingIt(string field, string value)
    {
        var path = Write("sgd");
        string target = field.Split('[')[0];
        Edit(path, node =>
        {
            var parts = target.Split('.');
            var parent = parts.Length == 1 ? node : node[parts[0]]!;
            parent[parts[^1]] = JsonNode.Parse(value);
        });
        var e = Assert.Throws<InputFileException>(() => CheckpointFile.Read(path))!;
        Assert.That(e.Message, Does.Contain($"field {field}"), e.Message);
        Assert.That(e.ExitCode, Is.EqualTo(ExitCodes.BadInput));
    }

    [TestCase("gd", "point", -1, "state.point")]
    [TestCase("gd", "point", 1, "state.point")]
    [TestCase("lbfgs", "auxiliary", -1, "state.auxiliary[0]")]
    [TestCase("adam", "auxiliary", 1, "state.auxiliary[0]")]
    public void CheckState_VectorOfTheWrongLength_InputErrorNamingIt(string solver, string vector, int change,
        string field)
    {
        var path = Write(solver);
        Edit(path, node =>
        {
            var array = vector == "point" ? node["state"]!["point"]!.AsArray()
                : node["state"]!["auxiliary"]!.AsArray()[0]!.AsArray();
            if (change < 0) array.RemoveAt(array.Count - 1);
            else array.Add(0.5);
        });
        var checkpoint = CheckpointFile.Read(path);
        var e = Assert.Throws<InputFileException>(() => checkpoint.CheckState(path, Dimension))!;
        Assert.That(e.Message, Does.Contain($"field {field}"), e.Message);
    }

    [Test]
    public void CheckState_LbfgsPairsTruncated_InputError()
    {
        var path = Write("lbfgs");
        Edit(path, node => node["state"]!["auxiliary"]!.AsArray().RemoveAt(3));
        var checkpoint = CheckpointFile.Read(path);
        var e = Assert.Throws<InputFileException>(() => checkpoint.CheckState(path, Dimension))!;
        Assert.That(e.Message, Does.Contain("field state.auxiliary").And.Contain("even number"));
    }

    /// <summary>Random damage, with and without a checksum made to match: only a clean input error or a checkpoint that
    /// passes every check, never another exception.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Read_RandomlyDamaged_OnlyInputErrors(bool fixChecksum)
    {
        var random = new Random(fixChecksum ? 11 : 12);
        foreach (var solver in new[] { "gd", "lbfgs", "sgd", "adam" })
        {
            var path = Write(solver, solver == "sgd" ? 3 : 0);
            var original = File.ReadAllText(path);
            for (int trial = 0; trial < 400; trial++)
            {
                var chars = original.ToCharArray();
                for (int k = random.Next(1, 4); k > 0; k--)
                    chars[random.Next(chars.Length)] = "0123456789-.,:\"[]{}nulexe9 "[random.Next(27)];
                var damaged = new string(chars);
                if (fixChecksum) WithChecksum(path, damaged);
                else File.WriteAllText(path, damaged);
                try
                {
                    CheckpointFile.Read(path).CheckState(path, Dimension);
                }
                catch (InputFileException) { }
                catch (Exception e)
                {
                    Assert.Fail($"{solver}, trial {trial}: {e.GetType().Name}: {e.Message}\n{damaged}");
                }
            }
        }
    }
}
