using System.Runtime.InteropServices;
using MpiDescent.Data;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.Data;

/// <summary>NumPy input (issue 18): arrays written by NumPy itself (tests/data/numpy/make_arrays.py, with the values
/// NumPy reads back from each stored beside it as raw float64) converted into data files.</summary>
public class NumPyConversionTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Array(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "numpy", name);

    private static double[] Expected(string name) =>
        MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Array(name + ".expected.f8"))).ToArray();

    private DataShard Convert(string input, ArrayConversion conversion, int blockValues = 1 << 20)
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, _) = conversion.Convert(input, output, blockValues);
        return ShardLoader.Load(output, header, 0, header.Rows, 0);
    }

    private string Error(string input, ArrayConversion conversion) =>
        Assert.Throws<InputFileException>(() => conversion.Convert(input, Path.Combine(_dir, "bad.bin")))!.Message;

    [Test]
    public void Convert_EveryDtypeAndOrder_ValuesAsNumPyReadsThem(
        [Values("x_c_f8", "x_fortran_f4", "x_big_i2", "x_u1", "x_bool", "x_f2", "x_big_f8_fortran")] string name,
        [Values(7, 40, 1 << 20)] int blockValues)
    {
        var shard = Convert(Array(name + ".npy"), new() { Labels = Array("y_i8.npy") }, blockValues);
        Assert.That(shard.Rows, Is.EqualTo(37));
        Assert.That(shard.FeatureCount, Is.EqualTo(5));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(Expected(name)));
        Assert.That(shard.Labels, Is.EqualTo(Expected("y_i8")));
        Assert.That(shard.RowWeights, Is.Null);
    }

    [Test]
    public void Convert_LargestExactUnsignedIntegers_Kept()
    {
        var shard = Convert(Array("x_u8_exact.npy"), new() { Labels = Array("y_two.npy") });
        Assert.That(shard.Features.Doubles(), Is.EqualTo(Expected("x_u8_exact")));
        Assert.That(shard.Features.Doubles()[2], Is.EqualTo(18446744073709549568.0));
    }

    [Test]
    public void Convert_LabelColumnAndWeights_Stored()
    {
        var conversion = new ArrayConversion { Labels = Array("y_column_f4.npy"), Weights = Array("w_f8.npy") };
        var shard = Convert(Array("x_c_f8.npy"), conversion);
        Assert.That(shard.Labels, Is.EqualTo(Expected("y_column_f4")));
        Assert.That(shard.RowWeights, Is.EqualTo(Expected("w_f8")));
    }

    [Test]
    public void Convert_StoredArchive_DefaultNamesAndWeights()
    {
        var shard = Convert(Array("stored.npz"), new() { Weights = "w" }, blockValues: 11);
        Assert.That(shard.Features.Doubles(), Is.EqualTo(Expected("x_c_f8")));
        Assert.That(shard.Labels, Is.EqualTo(Expected("y_i8")));
        Assert.That(shard.RowWeights, Is.EqualTo(Expected("w_f8")));
    }

    [Test]
    public void Convert_CompressedFortranArchive_ExtractedAndRemoved([Values(7, 40, 1 << 20)] int blockValues)
    {
        var shard = Convert(Array("compressed.npz"), new() { Dataset = "features", Labels = "target" }, blockValues);
        Assert.That(shard.Features.Doubles(), Is.EqualTo(Expected("x_fortran_f4")));
        Assert.That(shard.Labels, Is.EqualTo(Expected("y_i8")));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "out.bin" }),
            "the extracted array is deleted");
    }

    [Test]
    public void Convert_Float32_RoundsAsNumPy()
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, _) = new ArrayConversion { Labels = Array("y_i8.npy"), ElementType = ElementType.Float32 }
            .Convert(Array("x_c_f8.npy"), output);
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        Assert.That(shard.Features.Singles(), Is.EqualTo(Expected("x_fortran_f4").Select(v => (float)v)));
    }

    [Test]
    public void Convert_BreastCancerAsNumPyParsedIt_EqualsCsvConversion()
    {
        var fromArrays = Convert(Array("breast_cancer_X.npy"), new() { Labels = Array("breast_cancer_y.npy") });
        var csv = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "breast_cancer.csv");
        var csvFile = Path.Combine(_dir, "csv.bin");
        var header = new CsvConverter(csv, null, null, true).Convert(csvFile);
        var fromCsv = ShardLoader.Load(csvFile, header, 0, header.Rows, 0);
        Assert.That(fromArrays.Features.Doubles(), Is.EqualTo(fromCsv.Features.Doubles()));
        Assert.That(fromArrays.Labels, Is.EqualTo(fromCsv.Labels));
    }

    [Test]
    public void Convert_BadArrays_ErrorNamesFileArrayAndPlace()
    {
        var labels = new ArrayConversion { Labels = Array("y_two.npy") };
        Assert.That(Error(Array("x_i8_inexact.npy"), labels), Does.Contain("x_i8_inexact.npy: the array, row 2, "
            + "column 1 ([1, 0]): int64 value beyond ±2^53"));
        Assert.That(Error(Array("x_nan.npy"), labels), Does.Contain("x_nan.npy: the array, row 2, column 2 ([1, 1]): "
            + "NaN is not finite"));
        Assert.That(Error(Array("x_u8_exact.npy"), labels with { Weights = Array("w_negative.npy") }),
            Does.Contain("w_negative.npy: the array, row 2 ([1]): weight -0.5 is negative"));
        Assert.That(Error(Array("x_one_dim.npy"), labels), Does.Contain("has shape (3,): the features need two"));
        Assert.That(Error(Array("x_strings.npy"), labels), Does.Contain("has dtype '<U1', which holds strings"));
        Assert.That(Error(Array("x_c_f8.npy"), labels), Does.Contain("y_two.npy: the array has 2 rows, and the "
            + "features 37: the labels need one per row"));
        Assert.That(Error(Array("compressed.npz"), new()), Does.Contain("compressed.npz: has no array 'X' (it holds "
            + "'features', 'target')"));
        Assert.That(Error(Array("y_i8.npy"), new() { Labels = Path.Combine(_dir, "missing.npy") }),
            Does.Contain("missing.npy: file not found"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "nothing is left behind");
    }

    [Test]
    public void Convert_TruncatedOrPadded_ErrorGivesSizes()
    {
        var bytes = File.ReadAllBytes(Array("x_c_f8.npy"));
        var truncated = Path.Combine(_dir, "truncated.npy");
        File.WriteAllBytes(truncated, bytes[..^8]);
        Assert.That(Error(truncated, new() { Labels = Array("y_i8.npy") }), Does.Contain($"the array is "
            + $"{bytes.Length - 8} bytes long, and its header (shape (37, 5) of float64 from byte 128) needs "
            + $"{bytes.Length}: it is truncated"));
        var padded = Path.Combine(_dir, "padded.npy");
        File.WriteAllBytes(padded, [.. bytes, 0]);
        Assert.That(Error(padded, new() { Labels = Array("y_i8.npy") }), Does.Contain($"needs {bytes.Length}")
            .And.Not.Contain("truncated"));
    }

    [Test]
    public void Convert_MutatedArraysAndArchives_OnlyInputFileException(
        [Values("x_fortran_f4.npy", "stored.npz", "compressed.npz")] string name)
    {
        var random = new Random(name.Length);
        var original = File.ReadAllBytes(Array(name));
        var path = Path.Combine(_dir, "mutant" + Path.GetExtension(name));
        var conversion = name.EndsWith(".npz") ? new ArrayConversion
        {
            Dataset = name == "stored.npz" ? "X"
            : "features",
            Labels = name == "stored.npz" ? "y" : "target"
        } : new() { Labels = Array("y_i8.npy") };
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (trial % 3 == 2) bytes = bytes[..random.Next(bytes.Length)];
            else
                for (int k = random.Next(1, 4); k > 0; k--)
                    bytes[random.Next(2) == 0 ? random.Next(Math.Min(160, bytes.Length)) : random.Next(bytes.Length)]
                        ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(path, bytes);
            try { conversion.Convert(path, Path.Combine(_dir, "out.bin"), blockValues: 13); }
            catch (InputFileException) { }
            catch (Exception e) { Assert.Fail($"trial {trial}: undocumented {e.GetType().Name}: {e}"); }
        }
    }

    [Test]
    public void Run_ArrayOptionsMisplaced_UsageErrors()
    {
        var output = Path.Combine(_dir, "out.bin");
        var csv = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "diabetes.csv");
        string Fails(params string[] args)
        {
            var outcome = MpiJob.Run(0, ["convert", .. args]);
            Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
            return outcome.Errors;
        }
        Assert.That(Fails(Array("x_c_f8.npy"), output), Does.Contain("holds the features only: name the labels' "
            + ".npy file with --labels"));
        Assert.That(Fails(Array("x_c_f8.npy"), output, "--labels", Array("y_i8.npy"), "--label", "y"),
            Does.Contain("--label applies to CSV or LIBSVM text"));
        Assert.That(Fails(csv, output, "--labels", "y.npy"), Does.Contain("--labels applies to NumPy or HDF5 input"));
        Assert.That(Fails(Array("stored.npz"), Array("stored.npz")), Does.Contain("would destroy an input"));
        Assert.That(Fails(Array("x_c_f8.npy"), Array("y_i8.npy"), "--labels", Array("y_i8.npy")),
            Does.Contain("would destroy an input"));
        var train = MpiJob.Run(0, "train", Array("x_c_f8.npy"), "--model", Path.Combine(_dir, "m.json"));
        Assert.That(train.ExitCode, Is.EqualTo(2), train.ToString());
        Assert.That(train.Errors, Does.Contain("is NumPy, HDF5 or Parquet input: convert it into a data file first"));
        Assert.That(File.Exists(output), Is.False);
    }

    [Test]
    public void Run_Archive_WritesAndDescribes()
    {
        var output = Path.Combine(_dir, "out.bin");
        var outcome = MpiJob.Run(0, "convert", Array("compressed.npz"), output, "--dataset", "features", "--labels",
            "target");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"wrote {output}: 37 rows x 5 features (float64), from "
            + $"{Array("compressed.npz")}: features 'features' (float32, Fortran order), labels 'target' (int64)"));
        Assert.That(outcome.Output, Does.Contain("converted arrays: "));
    }
}
