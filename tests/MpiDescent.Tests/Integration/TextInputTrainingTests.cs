using System.Text.Json;
using System.Text.Json.Nodes;

namespace MpiDescent.Tests.Integration;

/// <summary><c>train data.csv</c> (issue 19): a text input converted once into a cached data file and reused while the
/// input and the conversion options are unchanged; the model is the one trained on the converted file; a file at the
/// cache's path that this program did not write is refused and left as it was.</summary>
[NonParallelizable]
public class TextInputTrainingTests
{
    private static readonly string[] Logistic = ["--loss", "logistic", "--solver", "lbfgs", "--standardize", "--l2",
        "0.01", "--max-iterations", "30"];

    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = TestData.TempDirectory();

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, true);

    private string Copy(string name, string? asName = null)
    {
        var path = Path.Combine(_dir, asName ?? name);
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "data", name), path);
        return path;
    }

    private string In(string name) => Path.Combine(_dir, name);

    private static MpiJob.Outcome Train(int ranks, params string[] args)
    {
        var outcome = MpiJob.Run(ranks, ["train", .. args]);
        return outcome;
    }

    private static string Parameters(string model)
    {
        var json = JsonNode.Parse(File.ReadAllText(model))!;
        return json["weights"]!.ToJsonString() + json["intercept"]!.ToJsonString();
    }

    [Test]
    public void Train_CsvInput_ModelOfTheConvertedFileAndCacheReused()
    {
        var csv = Copy("breast_cancer.csv");
        var converted = In("converted.bin");
        Assert.That(MpiJob.Run(0, "convert", csv, converted).ExitCode, Is.EqualTo(0));
        var reference = Train(0, [converted, .. Logistic, "--quiet", "--model", In("reference.json")]);
        Assert.That(reference.ExitCode, Is.EqualTo(0), reference.ToString());

        var first = Train(2, [csv, .. Logistic, "--log-every", "100"]);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var cache = csv + ".mpidescent.bin";
        Assert.That(first.Output, Does.Contain($"converted {csv} into {cache}: 569 rows x 30 features"));
        Assert.That(File.ReadAllBytes(cache), Is.EqualTo(File.ReadAllBytes(converted)), "the cache is convert's file");
        var model = In("breast_cancer.model.json");
        Assert.That(Parameters(model), Is.EqualTo(Parameters(In("reference.json"))), "bitwise the same model");
        using (var stamp = JsonDocument.Parse(File.ReadAllText(In("breast_cancer.csv.mpidescent.source.json"))))
        {
            Assert.That(stamp.RootElement.GetProperty("inputBytes").GetInt64(), Is.EqualTo(new FileInfo(csv).Length));
            Assert.That(stamp.RootElement.GetProperty("dataChecksum").GetString(),
                Is.EqualTo(JsonNode.Parse(File.ReadAllText(model))!["dataChecksum"]!.GetValue<string>()));
        }

        var written = File.GetLastWriteTimeUtc(cache);
        File.Delete(model);
        var second = Train(3, [csv, .. Logistic, "--log-every", "100"]);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(second.Output, Does.Contain($"{csv} is unchanged since it was converted"));
        Assert.That(second.Output, Does.Not.Contain("converted " + csv));
        Assert.That(File.GetLastWriteTimeUtc(cache), Is.EqualTo(written), "the cache was reused, not rewritten");
        Assert.That(Parameters(model), Is.EqualTo(Parameters(In("reference.json"))));
    }

    [Test]
    public void Train_InputOrOptionsChanged_Reconverted()
    {
        var csv = Copy("breast_cancer.csv");
        Assert.That(Train(0, [csv, .. Logistic]).ExitCode, Is.EqualTo(0));

        var float32 = Train(0, [csv, .. Logistic, "--dtype", "float32"]);
        Assert.That(float32.ExitCode, Is.EqualTo(0), float32.ToString());
        Assert.That(float32.Output, Does.Contain("(the conversion settings changed)"));
        Assert.That(float32.Output, Does.Contain("(float32)"));

        // The same size and a different byte: only the checksum tells.
        var text = File.ReadAllText(csv);
        int digit = text.IndexOf('\n') + 1;
        var changed = text[..digit] + (text[digit] == '1' ? '2' : '1') + text[(digit + 1)..];
        File.WriteAllText(csv, changed);
        var edited = Train(0, [csv, .. Logistic, "--dtype", "float32"]);
        Assert.That(edited.ExitCode, Is.EqualTo(0), edited.ToString());
        Assert.That(edited.Output, Does.Contain("(the input changed)"));

        File.WriteAllLines(csv, changed.Split('\n').Where(l => l.Length > 0).SkipLast(9));
        var shorter = Train(0, [csv, .. Logistic, "--dtype", "float32"]);
        Assert.That(shorter.ExitCode, Is.EqualTo(0), shorter.ToString());
        Assert.That(shorter.Output, Does.Contain("(the input changed)").And.Contain("560 rows x 30 features"));
    }

    [Test]
    public void Train_LibSvmWithoutExtension_ConvertedSparseBesideIt()
    {
        var svm = Copy("svmlight_classification.txt", "classification");
        var converted = In("converted.bin");
        Assert.That(MpiJob.Run(0, "convert", svm, converted).ExitCode, Is.EqualTo(0));
        var args = new[] { "--loss", "squared", "--solver", "newton", "--l2", "0.1", "--quiet" };
        Assert.That(Train(0, [converted, .. args, "--model", In("reference.json")]).ExitCode, Is.EqualTo(0));
        var direct = Train(2, [svm, .. args]);
        Assert.That(direct.ExitCode, Is.EqualTo(0), direct.ToString());
        Assert.That(File.ReadAllBytes(svm + ".mpidescent.bin"), Is.EqualTo(File.ReadAllBytes(converted)));
        Assert.That(Parameters(In("classification.model.json")), Is.EqualTo(Parameters(In("reference.json"))));
    }

    [Test]
    public void Train_ForeignFileAtCachePath_RefusedAndLeftAsItWas()
    {
        var csv = Copy("breast_cancer.csv");
        var foreign = In("mine.bin");
        Assert.That(MpiJob.Run(0, "convert", Copy("diabetes.csv"), foreign).ExitCode, Is.EqualTo(0));
        var before = File.ReadAllBytes(foreign);
        var refused = Train(2, [csv, .. Logistic, "--data-cache", foreign]);
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.Usage), refused.ToString());
        Assert.That(refused.Errors, Does.Contain($"{foreign} exists and is not a data cache of {csv}"));
        Assert.That(File.ReadAllBytes(foreign), Is.EqualTo(before));
        Assert.That(File.Exists(In("mine.source.json")), Is.False);

        // A stamp that names another data file than the one at the path: refused too.
        var cache = In("cache.bin");
        Assert.That(Train(0, [csv, .. Logistic, "--data-cache", cache]).ExitCode, Is.EqualTo(0));
        File.Copy(foreign, cache, overwrite: true);
        var replaced = Train(0, [csv, .. Logistic, "--data-cache", cache]);
        Assert.That(replaced.ExitCode, Is.EqualTo(ExitCodes.Usage), replaced.ToString());
        Assert.That(replaced.Errors, Does.Contain("is not the data file its stamp"));
        Assert.That(File.ReadAllBytes(cache), Is.EqualTo(before));

        // A file at the stamp's path that is not a stamp.
        File.Delete(cache);
        File.WriteAllText(In("cache.source.json"), "my notes");
        var notes = Train(0, [csv, .. Logistic, "--data-cache", cache]);
        Assert.That(notes.ExitCode, Is.EqualTo(ExitCodes.Usage), notes.ToString());
        Assert.That(File.ReadAllText(In("cache.source.json")), Is.EqualTo("my notes"));
        Assert.That(File.Exists(cache), Is.False);
    }

    [Test]
    public void Train_InterruptedConversion_ConvertedAgain()
    {
        var csv = Copy("breast_cancer.csv");
        var cache = In("cache.bin");
        Assert.That(Train(0, [csv, .. Logistic, "--data-cache", cache]).ExitCode, Is.EqualTo(0));
        var good = File.ReadAllBytes(cache);
        // What a conversion killed after its pending stamp leaves: that stamp, and the old or a partial file.
        var stampPath = In("cache.source.json");
        var stamp = JsonNode.Parse(File.ReadAllText(stampPath))!.AsObject();
        stamp.Remove("dataChecksum");
        File.WriteAllText(stampPath, stamp.ToJsonString());
        File.WriteAllBytes(cache, good[..1000]);
        var again = Train(0, [csv, .. Logistic, "--data-cache", cache]);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Output, Does.Contain("(its last conversion did not finish)"));
        Assert.That(File.ReadAllBytes(cache), Is.EqualTo(good));
    }

    [Test]
    public void Train_ConversionLongerThanTheStallTimeout_NotAStall()
    {
        // Rank 0 converts about 27 MB of CSV, made 4.5 s slower (a slow file system), while rank 1 waits far longer
        // than --stall-timeout 1 (and its 3 s diagnosis): the wait is allowed the input's size at 4 MB/s (6.8 s) on
        // top, so it is no stall. Without the allowance the job ends with exit 7 (checked when it was written).
        var csv = In("big.csv");
        var random = new Random(3);
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine(string.Join(",", Enumerable.Range(0, 16).Select(j => $"x{j}")) + ",y");
            for (int i = 0; i < 150_000; i++)
                writer.WriteLine(string.Join(",", Enumerable.Range(0, 16).Select(_ =>
                    random.NextDouble().ToString("F9", System.Globalization.CultureInfo.InvariantCulture)))
                    + (random.Next(2) == 0 ? ",0" : ",1"));
        }
        var outcome = MpiJob.Run(2, ["train", csv, .. Logistic[..^2], "--max-iterations", "2", "--stall-timeout", "1",
            "--model", In("big.json")], new Dictionary<string, string> { ["MPIDESCENT_CONVERSION_DELAY"] = "4.5" });
        Assert.That(outcome.ExitCode, Is.Not.EqualTo(7), "a conversion is not a stall: " + outcome);
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain("150000 rows"));
    }

    [Test]
    public void Train_MalformedText_NamesTheLineOnEveryRank()
    {
        var csv = In("bad.csv");
        File.WriteAllLines(csv, ["a,b,y", "1,2,0", "3,x,1"]);
        var bad = Train(2, [csv, "--quiet"]);
        Assert.That(bad.ExitCode, Is.EqualTo(ExitCodes.BadInput), bad.ToString());
        Assert.That(bad.Errors, Does.Contain("line 3"));
    }

    [TestCase("--label", "y")]
    [TestCase("--dtype", "float32")]
    [TestCase("--data-cache", "c.bin")]
    public void Train_ConversionOptionWithDataFile_UsageError(string option, string value)
    {
        var data = In("data.bin");
        Assert.That(MpiJob.Run(0, "convert", Copy("diabetes.csv"), data).ExitCode, Is.EqualTo(0));
        var refused = Train(0, data, option, value == "c.bin" ? In(value) : value);
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.Usage), refused.ToString());
        Assert.That(refused.Errors, Does.Contain($"{option} applies to a text input"));
    }

    [Test]
    public void Train_CsvOptionOnLibSvmText_UsageError()
    {
        var svm = Copy("svmlight_classification.txt", "data.svm");
        var refused = Train(0, svm, "--label", "y");
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.Usage), refused.ToString());
        Assert.That(refused.Errors, Does.Contain("--label applies to CSV input"));
        Assert.That(File.Exists(svm + ".mpidescent.bin"), Is.False);
    }
}
