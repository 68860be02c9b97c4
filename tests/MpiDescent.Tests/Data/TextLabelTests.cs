using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>Text class labels in CSV input (issue 15): names sorted or given, stored in the data file and read back,
/// labels as class indices, and the errors that name the line.</summary>
public class TextLabelTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (DataShard Shard, DataFileHeader Header) Convert(string text, IReadOnlyList<string>? classes = null)
    {
        var input = Path.Combine(_dir, "in.csv");
        File.WriteAllText(input, text);
        var output = Path.Combine(_dir, "out.bin");
        new CsvConverter(input, null, null, true, classes: classes).Convert(output);
        var header = DataFileHeader.Read(output);
        return (ShardLoader.Load(output, header, 0, header.Rows, 0), header);
    }

    [Test]
    public void Convert_YesNoLabels_SortedNamesKeptAndLabelsAreIndices()
    {
        var (shard, header) = Convert("a,b,answer\n1,2,yes\n3,4,no\n5,6, yes \n");
        Assert.That(header.ClassNames, Is.EqualTo(new[] { "no", "yes" }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 1.0, 0, 1 }));
        Assert.That(shard.Features.Doubles(), Is.EqualTo(new[] { 1.0, 2, 3, 4, 5, 6 }), "features unchanged");
        Assert.That(header.FeatureNames, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Convert_GivenClasses_KeepTheirOrderEvenForAMissingClass()
    {
        var (shard, header) = Convert("x,kind\n1,Rad.Flow\n2,Bypass\n", ["Rad.Flow", "High", "Bypass"]);
        Assert.That(header.ClassNames, Is.EqualTo(new[] { "Rad.Flow", "High", "Bypass" }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 0.0, 2 }));
    }

    [Test]
    public void Convert_LabelOutsideGivenClasses_NamesTheLine()
    {
        var input = Path.Combine(_dir, "in.csv");
        File.WriteAllText(input, "x,kind\n1,a\n2,b\n3,c\n");
        var e = Assert.Throws<InputFileException>(() =>
            new CsvConverter(input, null, null, true, classes: ["a", "b"]).Convert(Path.Combine(_dir, "o.bin")))!;
        Assert.That(e.Message, Does.Contain("line 4").And.Contain("'c' is not one of the classes a, b"));
        Assert.That(File.Exists(Path.Combine(_dir, "o.bin")), Is.False);
    }

    [Test]
    public void Convert_NumbersAndTextMixed_AllAreNames()
    {
        var (shard, header) = Convert("x,y\n1,10\n2,ten\n3,10\n");
        Assert.That(header.ClassNames, Is.EqualTo(new[] { "10", "ten" }));
        Assert.That(shard.Labels, Is.EqualTo(new[] { 0.0, 1, 0 }));
    }

    [Test]
    public void Convert_NumericLabels_NoClassNames()
    {
        var (shard, header) = Convert("x,y\n1,0\n2,1\n");
        Assert.That(header.ClassNames, Is.Empty);
        Assert.That(shard.Labels, Is.EqualTo(new[] { 0.0, 1 }));
        Assert.That(header.DataOffset, Is.EqualTo(DataFileHeader.FixedBytes + "x".Length), "no class section");
    }

    [Test]
    public void Read_ClassNamesCorruptedByAFlippedByte_HeaderChecksumMismatch()
    {
        Convert("x,y\n1,cat\n2,dog\n");
        var path = Path.Combine(_dir, "out.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[DataFileHeader.FixedBytes + 1 + 1] ^= 0x20; // inside "cat"
        File.WriteAllBytes(path, bytes);
        Assert.That(Assert.Throws<InputFileException>(() => DataFileHeader.Read(path))!.Message,
            Does.Contain("header checksum"));
    }
}
