using System.Runtime.InteropServices;
using MpiDescent.Data;
using MpiDescent.Tests.Integration;
using Parquet;
using Parquet.Schema;

namespace MpiDescent.Tests.Data;

/// <summary>Parquet input (issue 18): files written by hyparquet-writer (tests/data/parquet/make_parquet.mjs, an
/// implementation independent of Parquet.Net, with the values it wrote, filled or hashed, computed there and stored
/// beside each file as raw float64) converted through Parquet.Net; list columns, which hyparquet-writer writes only in
/// the version 2 pages Parquet.Net cannot read, written by Parquet.Net itself.</summary>
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
        Assert.That(Error("strings.parquet"), Does.Contain("column 'city' holds text, not numbers: one-hot it by "
            + "hashing with --categorical city --hash-bits B"));
        Assert.That(Error("inexact.parquet"), Does.Contain("column 'd', row 2: 9007199254740993 is beyond the "
            + "integers float64 holds exactly"));
        Assert.That(Error("mixed.parquet", "nope"), Does.Contain("has no label column 'nope' (its columns: 'a', 'b', "
            + "'label', 'c', 'd', 'e', 'w')"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "nothing is left behind");
    }

    public static IEnumerable<TestCaseData> Mutated()
    {
        yield return new TestCaseData("mixed.parquet", new ParquetConversion("label", "w", ElementType.Float64))
            .SetName("numeric columns");
        yield return new TestCaseData("categorical.parquet", new ParquetConversion("label", null, ElementType.Float64)
        {
            HashBits = 6,
            Categorical = ["city", "color"],
            FillMissing = "mean",
        }).SetName("categorical columns, filled");
        yield return new TestCaseData("", new ParquetConversion("y", null, ElementType.Float64)
        {
            Indices = "idx",
            Values = "val",
            FillMissing = "zero",
        }).SetName("list columns");
    }

    [TestCaseSource(nameof(Mutated))]
    public void Convert_MutatedFiles_OnlyInputFileException(string name, ParquetConversion conversion)
    {
        var random = new Random(7);
        var rows = Enumerable.Range(0, 40).Select(i => i % 7 == 3 ? null
            : Enumerable.Range(0, i % 5).Select(j => ((long)(3 * j + i), 0.5 * j)).ToArray()).ToArray();
        var original = System.IO.File.ReadAllBytes(name.Length > 0 ? File(name)
            : WriteLists(rows, new double[rows.Length], 16));
        var path = Path.Combine(_dir, "mutant.parquet");
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
    public void Run_ParquetOptions_CheckedAndSummarized()
    {
        var output = Path.Combine(_dir, "out.bin");
        foreach (var (args, message) in new[]
                 {
                     (new[] { "--indices", "idx" }, "--indices and --values go together"),
                     (["--fill-missing", "often"], "--fill-missing 'often': give zero, mean or a finite number"),
                     (["--categorical", "city"], "--categorical applies with --hash-bits"),
                     (["--features", "9"], "--features applies to Parquet input with --indices and --values"),
                 })
        {
            var refused = MpiJob.Run(0, ["convert", File("categorical.parquet"), output, .. args]);
            Assert.That(refused.ExitCode, Is.EqualTo(2), refused.ToString());
            Assert.That(refused.Errors, Does.Contain(message));
        }
        var text = MpiJob.Run(0, "convert", TestData.DiabetesCsv, output, "--fill-missing", "zero");
        Assert.That(text.ExitCode, Is.EqualTo(2), text.ToString());
        Assert.That(text.Errors, Does.Contain("--fill-missing applies to Parquet input"));
        var outcome = MpiJob.Run(0, "convert", File("categorical.parquet"), output, "--categorical", "city,color",
            "--hash-bits", "6", "--fill-missing", "zero");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"wrote {output}: 37 rows x 64 features").And.Contain("4 missing "
            + "values filled (zero)"));
    }

    [Test]
    public void Run_Parquet_LabelByIndexAndMisplacedOptions()
    {
        var output = Path.Combine(_dir, "out.bin");
        var wrong = MpiJob.Run(0, "convert", File("mixed.parquet"), output, "--labels", "y");
        Assert.That(wrong.ExitCode, Is.EqualTo(2), wrong.ToString());
        Assert.That(wrong.Errors, Does.Contain("is Parquet, which takes only --label, --weight, --dtype, --hash-bits, "
            + "--categorical, --features, --fill-missing, --indices, --values, not --labels"));
        var outcome = MpiJob.Run(0, "convert", File("mixed.parquet"), output, "--label", "2", "--dtype", "float32");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain($"wrote {output}: 37 rows x 6 features (float32), label 'label', 5 "
            + "row groups"));
    }

    private static double[] Expected(string name) =>
        MemoryMarshal.Cast<byte, double>(System.IO.File.ReadAllBytes(File(name))).ToArray();

    /// <summary>The converted file's rows, dense, row after row, and the shard.</summary>
    private static (double[] Rows, DataShard Shard) Load(string output, DataFileHeader header)
    {
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        var rows = new double[shard.Rows * header.Features];
        for (int i = 0; i < shard.Rows; i++) shard.Features.CopyRow(i, rows.AsSpan(i * header.Features));
        return (rows, shard);
    }

    [TestCase("zero", 0)]
    [TestCase("mean", 1)]
    [TestCase("2.5", 2)]
    public void Convert_NullsFilled_FeaturesAsTheWriterFilledThem(string how, int part)
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, note) = new ParquetConversion("label", null, ElementType.Float64) { FillMissing = how }
            .Convert(File("fill.parquet"), output);
        var expected = Expected("fill.expected.f8");
        var (rows, shard) = Load(output, header);
        Assert.That(header.Layout, Is.EqualTo(DataLayout.Dense));
        Assert.That(rows, Is.EqualTo(expected[(part * 74)..((part + 1) * 74)]));
        Assert.That(shard.Labels, Is.EqualTo(expected[(3 * 74)..]));
        // x is null in rows 4, 13, 22, 31 and k in 8, 19, 30 (1-based).
        Assert.That(note, Does.Contain($"7 missing values filled ({how})"));
    }

    [Test]
    public void Convert_NullLabelWithFillMissing_StillAnErrorNamingTheRow()
    {
        var e = Assert.Throws<InputFileException>(() => new ParquetConversion("x", null, ElementType.Float64)
        {
            FillMissing = "zero",
        }.Convert(File("fill.parquet"), Path.Combine(_dir, "out.bin")))!;
        Assert.That(e.Message, Does.Contain("column 'x', row 4: null").And.Contain("labels and weights are never "
            + "filled"));
    }

    [Test]
    public void Convert_CategoricalColumnsHashed_FeaturesAsTheWriterHashedThem()
    {
        var output = Path.Combine(_dir, "out.bin");
        var (header, note) = new ParquetConversion("label", null, ElementType.Float64)
        {
            HashBits = 6,
            Categorical = ["city", "color"],
            FillMissing = "zero",
        }.Convert(File("categorical.parquet"), output);
        Assert.That((header.Layout, header.Features), Is.EqualTo((DataLayout.Sparse, 64)));
        var expected = Expected("categorical.expected.f8");
        var (rows, shard) = Load(output, header);
        Assert.That(rows, Is.EqualTo(expected[..(37 * 64)]));
        Assert.That(shard.Labels, Is.EqualTo(expected[(37 * 64)..]));
        Assert.That(note, Does.Contain("4 missing values filled (zero)").And.Contain("distinct inputs hashed into "
            + "2^6 features"));
        var unfilled = new ParquetConversion("label", null, ElementType.Float64)
        {
            HashBits = 6,
            Categorical = ["city", "color"],
        };
        var refused = Assert.Throws<InputFileException>(() => unfilled.Convert(File("categorical.parquet"),
            Path.Combine(_dir, "again.bin")))!;
        Assert.That(refused.Message, Does.Contain("column 'city', row 6: null"));
    }

    /// <summary>Writes rows of sparse entries as two list columns (indices as int64, values as double) and a label,
    /// in row groups of <paramref name="groupRows"/>, with Parquet.Net (version 1 data pages); a null entry of
    /// <paramref name="rows"/> is a null list.</summary>
    private string WriteLists((long Index, double Value)[]?[] rows, double[] labels, int groupRows,
        string name = "lists.parquet", (long Index, double Value)[]?[]? valueRows = null)
    {
        var path = Path.Combine(_dir, name);
        var schema = new ParquetSchema(new ListField("idx", new DataField<long>("element")),
            new ListField("val", new DataField<double>("element")), new DataField<double>("y"));
        var (indexField, valueField) = ((DataField)((ListField)schema.Fields[0]).Item,
            (DataField)((ListField)schema.Fields[1]).Item);
        using var stream = System.IO.File.Create(path);
        var writer = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
        for (int first = 0; first < rows.Length; first += groupRows)
        {
            int end = Math.Min(rows.Length, first + groupRows);
            var (group, values) = (rows[first..end], (valueRows ?? rows)[first..end]);
            using var rowGroup = writer.CreateRowGroup();
            var (indexDefinitions, indexRepetitions, indices) = Levels(group);
            var (valueDefinitions, valueRepetitions, entries) = Levels(values);
            rowGroup.WriteAllPartsAsync<long>(indexField, indices.Select(e => e.Index).ToArray(), indexDefinitions,
                indexRepetitions, default).GetAwaiter().GetResult();
            rowGroup.WriteAllPartsAsync<double>(valueField, entries.Select(e => e.Value).ToArray(), valueDefinitions,
                valueRepetitions, default).GetAwaiter().GetResult();
            rowGroup.WriteAsync<double>((DataField)schema.Fields[2], labels[first..(first + group.Length)])
                .GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return path;
    }

    /// <summary>A list column's levels: definition 0 a null list, 1 an empty one, 2 an element; repetition 0 a new
    /// row; and the elements.</summary>
    private static (int[] Definitions, int[] Repetitions, (long Index, double Value)[] Elements) Levels(
        (long Index, double Value)[]?[] rows)
    {
        var (definitions, repetitions) = (new List<int>(), new List<int>());
        foreach (var row in rows)
        {
            if (row is null || row.Length == 0)
            {
                definitions.Add(row is null ? 0 : 1);
                repetitions.Add(0);
                continue;
            }
            for (int e = 0; e < row.Length; e++)
            {
                definitions.Add(2);
                repetitions.Add(e == 0 ? 0 : 1);
            }
        }
        return (definitions.ToArray(), repetitions.ToArray(), rows.Where(r => r is not null).SelectMany(r => r!)
            .ToArray());
    }

    [Test]
    public void Convert_ListColumns_SparseRowsAsWritten([Values] bool hashed)
    {
        var random = new Random(5);
        var rows = new (long Index, double Value)[]?[250];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = i % 37 == 11 ? null : Enumerable.Range(0, 5000).OrderBy(_ => random.Next())
                .Take(random.Next(0, 9)).Select(j => ((long)j, Math.Round(random.NextDouble() * 10 - 5, 3))).ToArray();
        var labels = rows.Select((_, i) => (double)(i % 2)).ToArray();
        var input = WriteLists(rows, labels, groupRows: 64);
        var output = Path.Combine(_dir, "out.bin");
        var (header, note) = new ParquetConversion("y", null, ElementType.Float64)
        {
            Indices = "idx",
            Values = "val",
            FillMissing = "zero",
            HashBits = hashed ? 10 : null,
        }.Convert(input, output);
        int largest = (int)rows.Where(r => r is not null).SelectMany(r => r!).Max(e => e.Index);
        int d = hashed ? 1024 : largest + 1;
        Assert.That((header.Layout, header.Features, header.Rows), Is.EqualTo((DataLayout.Sparse, d, 250L)));
        var (dense, shard) = Load(output, header);
        for (int i = 0; i < rows.Length; i++)
        {
            var expected = new double[d];
            foreach (var (index, value) in rows[i] ?? [])
                expected[hashed ? FeatureHash.OfIndex((int)index, 10) : (int)index] += value;
            Assert.That(dense[(i * d)..((i + 1) * d)], Is.EqualTo(expected), $"row {i + 1}");
        }
        Assert.That(shard.Labels, Is.EqualTo(labels));
        Assert.That(note, Does.Contain("sparse rows from the lists 'idx' and 'val'").And.Contain("7 missing values "
            + "filled (zero)").And.Contain("4 row groups"));
    }

    [Test]
    public void Convert_BadLists_ErrorNamesColumnAndRow()
    {
        var conversion = new ParquetConversion("y", null, ElementType.Float64) { Indices = "idx", Values = "val" };
        string Refused((long, double)[]?[] rows, ParquetConversion? other = null,
            (long, double)[]?[]? valueRows = null) =>
            Assert.Throws<InputFileException>(() => (other ?? conversion).Convert(WriteLists(rows,
                new double[rows.Length], 2, valueRows: valueRows), Path.Combine(_dir, "bad.bin")))!.Message;
        Assert.That(Refused([[(1, 1.0)], null]), Does.Contain("column 'idx', row 2: null (a missing list)"));
        Assert.That(Refused([[(1, 1.0)], [(3, 1.0), (3, 2.0)]]), Does.Contain("column 'idx', row 2: index 3 appears "
            + "twice"));
        Assert.That(Refused([[(1, 1.0)], [(1, 1.0)], [(-4, 1.0)]]), Does.Contain("column 'idx', row 3: index -4 is "
            + "not a feature index"));
        Assert.That(Refused([[(7, 1.0)]], conversion with { Features = 5 }), Does.Contain("row 1: index 7 is not a "
            + "feature index (0-based, below 5)"));
        Assert.That(Refused([[(7, double.NaN)]]), Does.Contain("row 1: NaN is not a finite number"));
        Assert.That(Refused([[(1, 1.0), (2, 2.0)]], null, [[(1, 1.0)]]), Does.Contain("row 1: 2 indices in column "
            + "'idx' but 1 values in 'val'"));
        var v2 = conversion with { Indices = "indices", Values = "values", Label = "label" };
        Assert.That(() => v2.Convert(File("list-v2.parquet"), Path.Combine(_dir, "v2.bin")),
            Throws.TypeOf<InputFileException>().With.Message.Contains("column 'indices' is a list in data pages of "
                + "version 2, which Parquet.Net 6.1 does not read"));
        Assert.That(Directory.GetFiles(_dir, "*.bin"), Is.Empty, "nothing is left behind");
    }
}
