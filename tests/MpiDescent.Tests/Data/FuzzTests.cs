using System.Text;
using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>Property tests in the manner of a fuzzer, seeded so that failures reproduce: mutated data files and random
/// text inputs must yield a valid result or the documented <see cref="InputFileException"/>, never another exception
/// or a hang.</summary>
public class FuzzTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static void OnlyDocumentedErrors(Action action, string what)
    {
        try { action(); }
        catch (InputFileException) { }
        catch (Exception e) { Assert.Fail($"{what}: undocumented {e.GetType().Name}: {e.Message}"); }
    }

    [Test]
    public void ReadAndLoad_MutatedDataFiles_OnlyInputFileException([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        var (x, y) = TestData.Synthetic(rows: 50, features: 3, seed: seed);
        var original = File.ReadAllBytes(TestData.WriteDataFile(_dir, x, y, 3, "original.bin"));
        var path = Path.Combine(_dir, "mutant.bin");
        for (int trial = 0; trial < 700; trial++)
        {
            var bytes = Mutate(original, random);
            File.WriteAllBytes(path, bytes);
            OnlyDocumentedErrors(() =>
            {
                var header = DataFileHeader.Read(path);
                var partition = new RowPartition(header.Rows, 3);
                for (int r = 0; r < 3; r++)
                {
                    var (start, end) = partition.RowsOf(r);
                    ShardLoader.Load(path, header, start, end, r);
                }
            }, $"seed {seed}, trial {trial}");
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0: // flip bytes anywhere, the header most often
                for (int k = random.Next(1, 4); k > 0; k--)
                    bytes[random.Next(2) == 0 ? random.Next(128) : random.Next(bytes.Length)] ^= (byte)random.Next(1,
                        256);
                return bytes;
            case 1: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 2: // append garbage
                return bytes.Concat(Enumerable.Range(0, random.Next(1, 64)).Select(_ =>
                    (byte)random.Next(256))).ToArray();
            default: // overwrite a header field with an extreme value, keeping the header checksum consistent
                int[] fields = [16, 24, 32, 36];
                int at = fields[random.Next(fields.Length)];
                long[] extremes = [0, -1, 1, int.MaxValue, long.MaxValue, long.MinValue, 1L << 40];
                BitConverter.GetBytes(extremes[random.Next(extremes.Length)]).AsSpan(0, at == 16 ? 8
                    : 4).CopyTo(bytes.AsSpan(at));
                Array.Clear(bytes, 48, 8);
                int names = Math.Clamp(BitConverter.ToInt32(bytes, 36), 0, Math.Max(0, bytes.Length - 128));
                BitConverter.GetBytes(System.IO.Hashing.XxHash3.HashToUInt64(bytes.AsSpan(0, 128
                    + names))).CopyTo(bytes, 48);
                return bytes;
        }
    }

    private static readonly string[] Tokens = ["1", "-2.5", "1e308", "1e999", "nan", "NaN", "inf", ",", ";", "\t", " ",
        "\"", "\"\"", "a", "label", "\r\n", "\n",
        "\n\n", ":", "0:1", "3:2", "2:", ":5", "#", "\uFEFF", "x", "1,2,3", "é", "\0"];

    private static string RandomText(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => Tokens[random.Next(Tokens.Length)]));

    [Test]
    public void CsvConverter_RandomText_OnlyInputFileExceptionOrValidFile([Values(1, 2)] int seed)
    {
        var random = new Random(seed);
        var input = Path.Combine(_dir, "fuzz.csv");
        var output = Path.Combine(_dir, "fuzz.bin");
        for (int trial = 0; trial < 1500; trial++)
        {
            File.WriteAllText(input, RandomText(random), Encoding.UTF8);
            OnlyDocumentedErrors(() =>
            {
                var header = new CsvConverter(input, null, null, random.Next(2) == 0).Convert(output);
                var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
                Assert.That(shard.Features.Doubles().All(double.IsFinite) && shard.Labels.All(double.IsFinite),
                    Is.True);
            }, $"seed {seed}, trial {trial}");
        }
    }

    [Test]
    public void LibSvmConverter_RandomText_OnlyInputFileExceptionOrValidFile([Values(1, 2)] int seed)
    {
        var random = new Random(seed);
        var input = Path.Combine(_dir, "fuzz.svm");
        var output = Path.Combine(_dir, "fuzz.bin");
        for (int trial = 0; trial < 1500; trial++)
        {
            File.WriteAllText(input, RandomText(random), Encoding.UTF8);
            OnlyDocumentedErrors(() =>
            {
                var header = new LibSvmConverter(input, null).Convert(output);
                ShardLoader.Load(output, header, 0, header.Rows, 0);
            }, $"seed {seed}, trial {trial}");
        }
    }
}
