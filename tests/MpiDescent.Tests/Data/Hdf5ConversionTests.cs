using System.Runtime.InteropServices;
using MpiDescent.Data;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.Data;

/// <summary>HDF5 input (issue 18): datasets written by h5py (tests/data/hdf5/make_hdf5.py, with the values h5py reads
/// back from each stored beside the file as raw float64) converted into data files through PureHDF.</summary>
public class Hdf5ConversionTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Sim => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "hdf5", "sim.h5");

    private static double[] Expected(string dataset) => MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(
        Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "hdf5",
            $"sim.{dataset.Trim('/').Replace('/', '.')}.expected.f8"))).ToArray();

    private DataShard Convert(ArrayConversion conversion, int blockValues = 1 << 20, string? input = null)
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, _) = conversion.Convert(input ?? Sim, output, blockValues);
        return ShardLoader.Load(output, header, 0, header.Rows, 0);
    }

    private string Error(ArrayConversion conversion, string? input = null) => Assert.Throws<InputFileException>(() =>
        conversion.Convert(input ?? Sim, Path.Combine(_dir, "bad.bin")))!.Message;

    [Test]
    public void Convert_ContiguousChunkedAndDeflated_ValuesAsH5pyReadsThem(
        [Values("/features", "run1/x", "/run1/x_i2")] string features,
        [Values("/target", "run1/label")] string labels,
        [Values(7, 40, 1 << 20)] int blockValues)
    {
        var shard = Convert(new() { Dataset = features, Labels = labels, Weights = "/weights" }, blockValues);
        Assert.That(shard.Rows, Is.EqualTo(37));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(Expected(features)));
        Assert.That(shard.Labels, Is.EqualTo(Expected(labels)));
        Assert.That(shard.RowWeights, Is.EqualTo(Expected("weights")));
    }

    [Test]
    public void Convert_BadDatasets_ErrorNamesFileDatasetAndPlace()
    {
        Assert.That(Error(new() { Dataset = "/inexact", Labels = "/two" }), Does.Contain("sim.h5: dataset "
            + "'/inexact', row 2, column 1 ([1, 0]): int64 value 9007199254740993 that float64 cannot hold exactly"));
        Assert.That(Error(new() { Dataset = "/nan", Labels = "/two" }), Does.Contain("dataset '/nan', row 2, "
            + "column 2 ([1, 1]): NaN is not finite"));
        Assert.That(Error(new() { Dataset = "/features", Labels = "/names" }), Does.Contain("dataset '/names' holds "
            + "String values"));
        Assert.That(Error(new() { Dataset = "/run1/x_big", Labels = "/target" }), Does.Contain("dataset "
            + "'/run1/x_big' is big-endian"));
        Assert.That(Error(new() { Dataset = "/cube", Labels = "/two" }), Does.Contain("has shape (2, 2, 2): the "
            + "features need two dimensions"));
        Assert.That(Error(new() { Dataset = "/features", Labels = "/two" }), Does.Contain("dataset '/two' has 2 rows, "
            + "and the features 37"));
        Assert.That(Error(new() { Dataset = "/missing", Labels = "/target" }), Does.Contain("has no dataset "
            + "'/missing' (the file's top level holds 'cube', 'features', 'inexact', 'names', 'nan', 'run1', 'target', "
            + "'two', 'weights')"));
        Assert.That(Error(new() { Dataset = "/run1", Labels = "/target" }), Does.Contain("has no dataset '/run1'"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "nothing is left behind");
    }

    [Test]
    public void Convert_MutatedFiles_OnlyInputFileException()
    {
        var random = new Random(5);
        var original = File.ReadAllBytes(Sim);
        var path = Path.Combine(_dir, "mutant.h5");
        var conversion = new ArrayConversion { Dataset = "run1/x", Labels = "/target", Weights = "/weights" };
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (trial % 3 == 2) bytes = bytes[..random.Next(bytes.Length)];
            else
                for (int k = random.Next(1, 4); k > 0; k--)
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(path, bytes);
            try { conversion.Convert(path, Path.Combine(_dir, "out.bin"), blockValues: 13); }
            catch (InputFileException) { }
            catch (Exception e) { Assert.Fail($"trial {trial}: undocumented {e.GetType().Name}: {e}"); }
        }
    }

    [Test]
    public void Run_Hdf5_NeedsDatasetAndLabelsThenWrites()
    {
        var output = Path.Combine(_dir, "out.bin");
        var missing = MpiJob.Run(0, "convert", Sim, output, "--labels", "/target");
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString());
        Assert.That(missing.Errors, Does.Contain("is HDF5: name the features' and the labels' datasets"));
        var outcome = MpiJob.Run(0, "convert", Sim, output, "--dataset", "/run1/x", "--labels", "/target",
            "--dtype", "float32");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"wrote {output}: 37 rows x 5 features (float32), from {Sim}: "
            + "features '/run1/x' (float32), labels '/target' (int32)"));
    }
}
