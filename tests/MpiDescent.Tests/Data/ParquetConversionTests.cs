using System.Runtime.InteropServices;
using MpiDescent.Data;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.Data;

/// <summary>Parquet input (issue 18): files written by hyparquet-writer (tests/data/parquet/make_parquet.mjs, an
/// implementation independent of Parquet.Net, with the values it wrote stored beside each file as raw float64)
/// converted through Parquet.Net.</summary>
public class ParquetConversionTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string File(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "parquet", name);

    private string Error(string name, string? label = null) => Assert.Throws<InputFileException>(() =>
        new ParquetConversion(label, null, ElementType.Float64).Convert(File(name), Path.Combine(_dir, "bad.bin")))!
        .Message;

    [Test]
    public void Convert_EveryPhysicalTypeAcrossRowGroups_ValuesAsWritten()
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, note) = new ParquetConversion("label", "w", ElementType.Float64).Convert(File("mixed.parquet"),
            output);
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        var expected = MemoryMarshal.Cast<byte, double>(System.IO.File.ReadAllBytes(File("mixed.expected.f8")))
            .ToArray();
        Assert.That(header.FeatureNames, Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(expected[..(37 * 5)]));
        Assert.That(shard.Labels, Is.EqualTo(expected[(37 * 5)..(37 * 6)]));
        Assert.That(shard.RowWeights, Is.EqualTo(expected[(37 * 6)..]));
        Assert.That(note, Is.EqualTo(", label 'label', weights 'w', 5 row groups"));
    }

    [Test]
    public void Convert_BadColumns_ErrorNamesColumnAndRow()
    {
        Assert.That(Error("nulls.parquet"), Does.Contain("nulls.parquet: column 'b', row 12: null (a missing value)"));
        Assert.That(Error("strings.parquet"), Does.Contain("column 'city' holds text, not numbers"));
        Assert.That(Error("inexact.parquet"), Does.Contain("column 'd', row 2: 9007199254740993 is beyond the "
            + "integers float64 holds exactly"));
        Assert.That(Error("mixed.parquet", "nope"), Does.Contain("has no label column 'nope' (its columns: 'a', 'b', "
            + "'label', 'c', 'd', 'e', 'w')"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "nothing is left behind");
    }

    [Test]
    public void Convert_MutatedFiles_OnlyInputFileException()
    {
        var random = new Random(7);
        var original = System.IO.File.ReadAllBytes(File("mixed.parquet"));
        var path = Path.Combine(_dir, "mutant.parquet");
        var conversion = new ParquetConversion("label", "w", ElementType.Float64);
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (trial % 3 == 2) bytes = bytes[..random.Next(bytes.Length)];
            else
                for (int k = random.Next(1, 4); k > 0; k--)
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            System.IO.File.WriteAllBytes(path, bytes);
            try { conversion.Convert(path, Path.Combine(_dir, "out.bin")); }
            catch (InputFileException) { }
            catch (Exception e) { Assert.Fail($"trial {trial}: undocumented {e.GetType().Name}: {e}"); }
        }
    }

    [Test]
    public void Run_FooterParquetNetLoopsOn_RefusedWithinSeconds()
    {
        // In a process of its own: Parquet.Net's parse keeps spinning on a thread until the process ends, which in the
        // test host would take a core from every later test (the SLURM check among them).
        var started = DateTime.UtcNow;
        var outcome = MpiJob.Run(0, "convert", File("damaged-footer.parquet"), Path.Combine(_dir, "out.bin"));
        Assert.That(outcome.ExitCode, Is.EqualTo(3), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("did not parse within 10 s: the footer is damaged"));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(60)));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "nothing is left behind");
    }

    [Test]
    public void Run_Parquet_LabelByIndexAndMisplacedOptions()
    {
        var output = Path.Combine(_dir, "out.bin");
        var wrong = MpiJob.Run(0, "convert", File("mixed.parquet"), output, "--labels", "y");
        Assert.That(wrong.ExitCode, Is.EqualTo(2), wrong.ToString());
        Assert.That(wrong.Errors, Does.Contain("is Parquet, which takes only --label, --weight and --dtype, not "
            + "--labels"));
        var outcome = MpiJob.Run(0, "convert", File("mixed.parquet"), output, "--label", "2", "--dtype", "float32");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"wrote {output}: 37 rows x 6 features (float32), label 'label', 5 "
            + "row groups"));
    }
}
