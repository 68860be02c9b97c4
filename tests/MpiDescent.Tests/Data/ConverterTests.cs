using System.Text;
using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

public class ConverterTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (DataShard Shard, DataFileHeader Header) Csv(string text, string? label = null, string? separator = null,
        bool header = true, bool bom = false)
    {
        var input = Path.Combine(_dir, "in.csv");
        File.WriteAllText(input, text, new UTF8Encoding(bom));
        var output = Path.Combine(_dir, "out.bin");
        var written = new CsvConverter(input, label, separator, header).Convert(output);
        return (ShardLoader.Load(output, written, 0, written.Rows, 0), written);
    }

    private string CsvError(string text, string? label = null)
    {
        var input = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(input, text);
        return Assert.Throws<InputFileException>(() => new CsvConverter(input, label, null,
            true).Convert(Path.Combine(_dir, "bad.bin")))!.Message;
    }

    [Test]
    public void Convert_LabelByName_MovesLabelOutOfFeatures()
    {
        var (shard, header) = Csv("a,y,b\n1,10,2\n3,20,4\n", label: "y");
        Assert.That(header.FeatureNames, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(new[] { 1.0, 2, 3, 4 }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 10.0, 20 }));
    }

    [Test]
    public void Convert_BomCrlfBlankLinesAndQuotes_AreAccepted()
    {
        var (shard, header) = Csv("\"a\",b,\"label\"\r\n\r\n\"1.5\",2,3\r\n   \r\n4,\"5\",6\r\n", bom: true);
        Assert.That(header.FeatureNames, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(new[] { 1.5, 2, 4, 5 }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 3.0, 6 }));
    }

    [Test]
    public void Convert_SemicolonAndWhitespaceSeparators_AreDetected()
    {
        Assert.That(Csv("a;b\n1;2\n").Shard.Labels, Is.EqualTo(new[] { 2.0 }));
        Assert.That(Csv("a b  c\n1  2 3\n").Shard.Features.Doubles(), Is.EqualTo(new[] { 1.0, 2 }));
        Assert.That(Csv("1 2 3\n4 5 6\n", label: "0", header: false).Shard.Labels, Is.EqualTo(new[] { 1.0, 4 }));
    }

    [Test]
    public void Convert_RaggedRow_NamesLine() => Assert.That(CsvError("a,b,c\n1,2,3\n1,2\n"),
        Does.Contain("line 3").And.Contain("2 fields"));

    [Test]
    public void Convert_NonNumericCell_NamesLineAndColumn() => Assert.That(CsvError("a,b,c\n1,x2,3\n"),
        Does.Contain("line 2, column 'b'").And.Contain("not a number"));

    [Test]
    public void Convert_MissingLabelColumn_ListsColumns() => Assert.That(CsvError("a,b,c\n1,2,3\n", label: "price"),
        Does.Contain("'price' not found").And.Contain("a, b, c"));

    [Test]
    public void Convert_DuplicateColumnNames_NamesBothColumns() => Assert.That(CsvError("a,b,a,y\n1,2,3,4\n"),
        Does.Contain("line 1: columns 1 and 3 are both named 'a'"));

    [Test]
    public void Convert_HeaderOnly_SaysNoRows() => Assert.That(CsvError("a,b\n"), Does.Contain("no data rows"));

    private string Svm(string text, int? features = null)
    {
        var input = Path.Combine(_dir, "in.svm");
        File.WriteAllText(input, text);
        return input;
    }

    [Test]
    public void Convert_LibSvm_DensifiesSparseRows()
    {
        var output = Path.Combine(_dir, "svm.bin");
        var header = new LibSvmConverter(Svm("1 1:0.5 3:2 # comment\n-1 2:1\n\n+1\n"), null).Convert(output);
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        Assert.That(header.Features, Is.EqualTo(3));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(new[] { 0.5, 0, 2, 0, 1, 0, 0, 0, 0 }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 1.0, -1, 1 }));
    }

    [TestCase("1 0:1\n", "index 0")]
    [TestCase("1 2:1 2:3\n", "index 2 appears twice")]
    [TestCase("1 3:1 2:3\n", "must increase")]
    [TestCase("1 a:b\n", "not index:value")]
    [TestCase("x 1:1\n", "label 'x'")]
    [TestCase("1 1:zz\n", "feature 1 'zz'")]
    public void Convert_LibSvmMalformed_NamesProblem(string text, string expected)
    {
        var e = Assert.Throws<InputFileException>(() => new LibSvmConverter(Svm(text), null).Convert(Path.Combine(_dir,
            "o.bin")))!;
        Assert.That(e.Message, Does.Contain("line 1").And.Contain(expected));
    }

    [Test]
    public void Convert_CsvDtypeFloat32_StoresRoundedValuesInHalfTheBytes()
    {
        var input = Path.Combine(_dir, "in.csv");
        File.WriteAllText(input, "a,b,y\n0.1,2,3.3\n4,1e-3,6\n");
        var output = new StringWriter();
        MpiDescent.Cli.ConvertCommand.Run([input, Path.Combine(_dir, "f.bin"), "--dtype", "float32"], output);
        var header = DataFileHeader.Read(Path.Combine(_dir, "f.bin"));
        var shard = ShardLoader.Load(Path.Combine(_dir, "f.bin"), header, 0, header.Rows, 0);
        Assert.That(header.ElementType, Is.EqualTo(ElementType.Float32));
        Assert.That(header.RecordBytes, Is.EqualTo(3 * 4));
        Assert.That(shard.Features.Singles(), Is.EqualTo(new[] { 0.1f, 2f, 4f, 1e-3f }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { (double)3.3f, 6.0 }));
        Assert.That(output.ToString(), Does.Contain("(float32)"));
    }

    [Test]
    public void Convert_Float32ValueBeyondRange_NamesLineAndColumn()
    {
        var input = Path.Combine(_dir, "big.csv");
        File.WriteAllText(input, "a,y\n1,2\n5e38,1\n");
        var e = Assert.Throws<InputFileException>(() => new CsvConverter(input, null, null, true,
            elementType: ElementType.Float32).Convert(Path.Combine(_dir, "big.bin")))!;
        Assert.That(e.Message, Does.Contain("line 3, column 'a'").And.Contain("float32"));
        Assert.That(File.Exists(Path.Combine(_dir, "big.bin")), Is.False);
    }

    [Test]
    public void Convert_LibSvmFloat32BeyondRange_NamesLine()
    {
        var e = Assert.Throws<InputFileException>(() => new LibSvmConverter(Svm("1 1:1\n1 1:-1e39\n"), null,
            ElementType.Float32).Convert(Path.Combine(_dir, "o.bin")))!;
        Assert.That(e.Message, Does.Contain("line 2").And.Contain("float32"));
    }
}
