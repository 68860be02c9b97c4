using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

public class DataFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Load_SlicesAtEveryRankCount_ReassembleTheWrittenRows([Values(1, 2, 3, 7)] int ranks)
    {
        var (x, y) = TestData.Synthetic(rows: 5000, features: 3, seed: 1);
        var path = TestData.WriteDataFile(_dir, x, y, 3);
        var header = DataFileHeader.Read(path);
        Assert.That(header.Rows, Is.EqualTo(5000));
        var partition = new RowPartition(header.Rows, ranks);
        var features = new List<double>();
        var labels = new List<double>();
        for (int r = 0; r < ranks; r++)
        {
            var (start, end) = partition.RowsOf(r);
            var shard = ShardLoader.Load(path, header, start, end, r);
            Assert.That(shard.RowStart, Is.EqualTo(start));
            features.AddRange(shard.Features.Doubles());
            labels.AddRange(shard.Labels);
        }
        Assert.That(features, Is.EqualTo(x));
        Assert.That(labels, Is.EqualTo(y));
    }

    [Test]
    public void Writer_NotCompleted_LeavesNoFileBehind()
    {
        var path = Path.Combine(_dir, "partial.bin");
        using (var writer = new DataFileWriter(path, 2)) writer.WriteRow([1.0, 2.0], 3.0);
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void Read_FeatureNames_RoundTrip()
    {
        var path = Path.Combine(_dir, "named.bin");
        using (var writer = new DataFileWriter(path, 2, ["age", "bmi"]))
        {
            writer.WriteRow([1.0, 2.0], 3.0);
            writer.Complete();
        }
        Assert.That(DataFileHeader.Read(path).FeatureNames, Is.EqualTo(new[] { "age", "bmi" }));
    }

    private string ValidFile()
    {
        var (x, y) = TestData.Synthetic(rows: 100, features: 2, seed: 2);
        return TestData.WriteDataFile(_dir, x, y, 2);
    }

    private static string ReadError(string path) => Assert.Throws<InputFileException>(() =>
        DataFileHeader.Read(path))!.Message;

    [Test]
    public void Read_MissingFile_SaysNotFound() => Assert.That(ReadError(Path.Combine(_dir, "none.bin")),
        Does.Contain("none.bin").And.Contain("not found"));

    [Test]
    public void Read_Directory_SaysDirectory() => Assert.That(ReadError(_dir), Does.Contain("directory"));

    [Test]
    public void Read_EmptyFile_SaysEmpty()
    {
        var path = Path.Combine(_dir, "empty.bin");
        File.WriteAllBytes(path, []);
        Assert.That(ReadError(path), Does.Contain("empty"));
    }

    [Test]
    public void Read_WrongMagic_SaysNotADataFile()
    {
        var path = Path.Combine(_dir, "text.bin");
        File.WriteAllText(path, new string('a', 500));
        Assert.That(ReadError(path), Does.Contain("wrong magic"));
    }

    [Test]
    public void Read_UnknownVersion_SaysVersion()
    {
        var path = ValidFile();
        var bytes = File.ReadAllBytes(path);
        bytes[8] = 9;
        File.WriteAllBytes(path, bytes);
        Assert.That(ReadError(path), Does.Contain("version 9"));
    }

    [Test]
    public void Read_CorruptHeaderField_SaysHeaderChecksum()
    {
        var path = ValidFile();
        var bytes = File.ReadAllBytes(path);
        bytes[16] ^= 1; // row count
        File.WriteAllBytes(path, bytes);
        Assert.That(ReadError(path), Does.Contain("header checksum"));
    }

    /// <summary>Issue 16, point 16: reserved header bytes must be zero, even under a valid header checksum (a newer
    /// writer's field, or a crafted file).</summary>
    [TestCase(12)]
    [TestCase(100)]
    public void Read_ReservedByteSetUnderValidChecksum_SaysReserved(int at)
    {
        var path = ValidFile();
        var bytes = File.ReadAllBytes(path);
        bytes[at] = 7;
        int names = BitConverter.ToInt32(bytes, 36);
        Array.Clear(bytes, 48, 8);
        ulong checksum = System.IO.Hashing.XxHash3.HashToUInt64(bytes.AsSpan(0, DataFileHeader.FixedBytes + names));
        BitConverter.GetBytes(checksum).CopyTo(bytes, 48);
        File.WriteAllBytes(path, bytes);
        Assert.That(ReadError(path), Does.Contain($"reserved header byte {at} is not zero"));
    }

    [Test]
    public void Read_TruncatedPayload_SaysTruncated()
    {
        var path = ValidFile();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        Assert.That(ReadError(path), Does.Contain("truncated"));
    }

    [Test]
    public void Load_FlippedDataByte_NamesBlockAndRank()
    {
        var path = ValidFile();
        var header = DataFileHeader.Read(path);
        var bytes = File.ReadAllBytes(path);
        bytes[header.DataOffset + 10 * header.RecordBytes + 3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InputFileException>(() => ShardLoader.Load(path, header, 0, header.Rows, rank: 5))!;
        Assert.That(e.Message, Does.Contain("rank 5").And.Contain("checksum mismatch in block 0"));
    }

    [Test]
    public void Load_NaNInFeature_NamesRowAndFeature()
    {
        var path = Path.Combine(_dir, "nan.bin");
        using (var writer = new DataFileWriter(path, 2, ["a", "b"]))
        {
            writer.WriteRow([1.0, 2.0], 3.0);
            writer.WriteRow([1.0, double.NaN], 3.0);
            writer.Complete();
        }
        var header = DataFileHeader.Read(path);
        var e = Assert.Throws<InputFileException>(() => ShardLoader.Load(path, header, 0, 2, rank: 0))!;
        Assert.That(e.Message, Does.Contain("row 2 ").And.Contain("feature 'b'"), "1-based");
    }
}

public class DataFileEdgeTests
{
    [Test]
    public void Read_ZeroRowFile_IsValidHeader()
    {
        var dir = TestData.TempDirectory();
        var path = Path.Combine(dir, "zero.bin");
        using (var writer = new DataFileWriter(path, 4)) writer.Complete();
        Assert.That(DataFileHeader.Read(path).Rows, Is.EqualTo(0));
        Directory.Delete(dir, true);
    }

    /// <summary>Issue 16, point 16: evaluating on a file without rows is bad input, not NaN metrics with exit
    /// 0.</summary>
    [Test]
    public void Evaluate_ZeroRowFile_BadInput()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(Integration.MpiJob.Run(0, "generate", data, "--rows", "50", "--features", "4").ExitCode,
                Is.EqualTo(0));
            var model = Path.Combine(dir, "m.json");
            Assert.That(Integration.MpiJob.Run(0, "train", data, "--model", model, "--quiet").ExitCode, Is.EqualTo(0));
            var zero = Path.Combine(dir, "zero.bin");
            using (var writer = new DataFileWriter(zero, 4)) writer.Complete();
            var outcome = Integration.MpiJob.Run(0, "evaluate", model, zero);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain($"{zero}: has no rows: there is nothing to evaluate"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
