using System.Text;
using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>Sparse data files (issue 13): written and read back at any rank count, every corruption an input error
/// naming the rank and block, and LIBSVM text converted with its edge cases.</summary>
public class SparseDataFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", name);

    /// <summary>Writes <paramref name="rows"/> rows of 50 features (row i has i mod 7 nonzeros) with weights, in
    /// checksum blocks of 16 rows; returns the path and the dense rows.</summary>
    private (string Path, double[] Dense, double[] Labels, double[] Weights) Write(int rows,
        ElementType type = ElementType.Float64)
    {
        const int d = 50;
        var path = Path.Combine(_dir, "sparse.bin");
        var dense = new double[rows * d];
        var labels = new double[rows];
        var weights = new double[rows];
        var random = new Random(rows);
        using (var writer = new SparseDataFileWriter(path, d, checksumBlockRows: 16, weights: true, elementType: type))
        {
            for (int i = 0; i < rows; i++)
            {
                var indices = Enumerable.Range(0, d).OrderBy(_ => random.Next()).Take(i % 7).Order().ToArray();
                var values = indices.Select(_ => (double)(float)(random.NextDouble() * 4 - 2)).ToArray();
                for (int k = 0; k < indices.Length; k++) dense[i * d + indices[k]] = values[k];
                labels[i] = i % 3 - 1;
                weights[i] = 0.5 + i % 4;
                writer.WriteRow(indices, values, labels[i], weights[i]);
            }
            var header = writer.Complete();
            Assert.That(header.Nonzeros, Is.EqualTo(dense.Count(v => v != 0)));
        }
        return (path, dense, labels, weights);
    }

    [Test]
    public void Load_SlicesAtEveryRankCount_ReassembleTheWrittenRows([Values(1, 2, 3, 7)] int ranks,
        [Values] bool float32)
    {
        var (path, dense, labels, weights) = Write(101, float32 ? ElementType.Float32 : ElementType.Float64);
        var header = DataFileHeader.Read(path);
        Assert.That(header.Layout, Is.EqualTo(DataLayout.Sparse));
        var partition = new RowPartition(header.Rows, ranks);
        var all = new List<double>();
        var allLabels = new List<double>();
        var allWeights = new List<double>();
        for (int r = 0; r < ranks; r++)
        {
            var (start, end) = partition.RowsOf(r);
            var shard = ShardLoader.Load(path, header, start, end, r);
            all.AddRange(shard.Features.Doubles());
            allLabels.AddRange(shard.Labels);
            allWeights.AddRange(shard.RowWeights!);
        }
        Assert.That(all, Is.EqualTo(dense));
        Assert.That(allLabels, Is.EqualTo(labels));
        Assert.That(allWeights, Is.EqualTo(weights));
    }

    [Test]
    public void Load_FlippedDataByte_NamesBlockAndRank()
    {
        var (path, _, _, _) = Write(101);
        var header = DataFileHeader.Read(path);
        var bytes = File.ReadAllBytes(path);
        bytes[header.DataOffset + 40] ^= 1; // in block 0
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InputFileException>(() => ShardLoader.Load(path, header, 0, 30, 0))!;
        Assert.That(e.Message, Does.Contain("rank 0: checksum mismatch in block 0"));
        Assert.That(() => ShardLoader.Load(path, header, 60, 101, 2), Throws.Nothing, "other ranks' blocks are fine");
    }

    [Test]
    public void Read_TruncatedSparseFile_SaysTruncated()
    {
        var (path, _, _, _) = Write(40);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^9]);
        Assert.That(Assert.Throws<InputFileException>(() => DataFileHeader.Read(path))!.Message,
            Does.Contain("truncated"));
    }

    [Test]
    public void ReadAndLoad_MutatedSparseFiles_OnlyInputFileException([Values(1, 2)] int seed)
    {
        var random = new Random(seed);
        var (path, _, _, _) = Write(70);
        var original = File.ReadAllBytes(path);
        var mutant = Path.Combine(_dir, "mutant.bin");
        for (int trial = 0; trial < 600; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (random.Next(3) == 0) bytes = bytes[..random.Next(bytes.Length)];
            else
                for (int k = random.Next(1, 4); k > 0; k--)
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            if (random.Next(2) == 0 && bytes.Length >= 128) ResealHeader(bytes);
            File.WriteAllBytes(mutant, bytes);
            try
            {
                var header = DataFileHeader.Read(mutant);
                var partition = new RowPartition(header.Rows, 3);
                for (int r = 0; r < 3; r++)
                {
                    var (start, end) = partition.RowsOf(r);
                    ShardLoader.Load(mutant, header, start, end, r);
                }
            }
            catch (InputFileException) { }
            catch (Exception e) { Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}"); }
        }
    }

    /// <summary>Recomputes the header checksum, so that a mutated field is read as written.</summary>
    private static void ResealHeader(byte[] bytes)
    {
        Array.Clear(bytes, 48, 8);
        int names = Math.Clamp(BitConverter.ToInt32(bytes, 36), 0, bytes.Length - 128);
        BitConverter.GetBytes(System.IO.Hashing.XxHash3.HashToUInt64(bytes.AsSpan(0, 128 + names)))
            .CopyTo(bytes, 48);
    }

    [Test]
    public void Convert_ScikitLearnSvmlightFile_CommentsTabsEmptyRowsExplicitZeros()
    {
        var output = Path.Combine(_dir, "svm.bin");
        var input = Data("svmlight_classification.txt");
        Assert.That(LibSvmConverter.LooksLikeLibSvm(input), Is.True);
        var header = new LibSvmConverter(input, null).Convert(output);
        Assert.That(header.Layout, Is.EqualTo(DataLayout.Sparse));
        Assert.That((header.Rows, header.Features, header.Nonzeros), Is.EqualTo((6L, 21, 7L)),
            "explicit zeros are not stored");
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        Assert.That(shard.Labels, Is.EqualTo(new[] { 1.0, 2, 3, 4, 1, 2 }));
        var x = shard.Features.Doubles();
        Assert.That((x[2], x[10], x[15]), Is.EqualTo((2.5, -5.2, 1.5)));
        Assert.That(x[3 * 21 + 1], Is.EqualTo(1.234567890123456e10));
        Assert.That(x.Skip(4 * 21).All(v => v == 0), Is.True, "the empty row and the explicit zero");
    }

    [TestCase("svmlight_invalid.txt", "line 1: label 'python' is not a finite number")]
    [TestCase("svmlight_invalid_order.txt", "line 1: index 2 after 5; indices must increase")]
    public void Convert_ScikitLearnInvalidFiles_NameTheLine(string file, string expected) =>
        Assert.That(Assert.Throws<InputFileException>(() => new LibSvmConverter(Data(file), null)
            .Convert(Path.Combine(_dir, "o.bin")))!.Message, Does.Contain(expected));

    private string Svm(string text)
    {
        var input = Path.Combine(_dir, "in");
        File.WriteAllText(input, text, Encoding.UTF8);
        return input;
    }

    [Test]
    public void Convert_ZeroBasedAndQid_IndicesShiftedQidIgnored()
    {
        var output = Path.Combine(_dir, "z.bin");
        var header = new LibSvmConverter(Svm("1 qid:3 0:1.5 4:2\n0 qid:3 2:-1\n"), null, zeroBased: true)
            .Convert(output);
        Assert.That(header.Features, Is.EqualTo(5));
        var x = ShardLoader.Load(output, header, 0, 2, 0).Features.Doubles();
        Assert.That(x, Is.EqualTo(new[] { 1.5, 0, 0, 0, 2, 0, 0, -1, 0, 0 }));
    }

    [TestCase("1 1:1\n1 5:2\n", "line 2: feature index 5 exceeds --features 4")]
    [TestCase("1 1:1 1:2\n", "line 1: index 1 appears twice")]
    [TestCase("1 1:1\n-1 0:2\n", "line 2: feature index 0; LIBSVM indices start at 1")]
    [TestCase("1 1:1\n1 2:\n", "line 2: feature 2 '' is not a finite number")]
    public void Convert_MalformedLibSvm_NamesTheLine(string text, string expected) =>
        Assert.That(Assert.Throws<InputFileException>(() => new LibSvmConverter(Svm(text), 4)
            .Convert(Path.Combine(_dir, "o.bin")))!.Message, Does.Contain(expected));

    /// <summary>Issue 16, point 14: a dense file far larger than the sparse one is refused before anything is written,
    /// with its size; auto writes the sparse file instead (23 bytes of text, index 5,000,000).</summary>
    [Test]
    public void Convert_HugeIndexDense_RefusedWithSizeAutoWritesSparse()
    {
        var input = Svm("1 5000000:1\n-1 3:2\n" + string.Concat(Enumerable.Repeat("1 1:1\n", 200)));
        var output = Path.Combine(_dir, "h.bin");
        var e = Assert.Throws<InputFileException>(() => new LibSvmConverter(input, null,
            layout: ConversionLayout.Dense).Convert(output))!;
        Assert.That(e.Message, Does.Contain("a dense file would take 8.08 GB").And.Contain("--layout sparse"));
        Assert.That(File.Exists(output), Is.False);
        var header = new LibSvmConverter(input, null).Convert(output);
        Assert.That((header.Layout, header.Features, header.Nonzeros),
            Is.EqualTo((DataLayout.Sparse, 5_000_000, 202L)));
        Assert.That(new FileInfo(output).Length, Is.LessThan(10_000));
    }
}
