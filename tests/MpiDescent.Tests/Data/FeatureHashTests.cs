using System.Text;
using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>Feature hashing (issue 13): the published MurmurHash3_x86_32 values, files converted separately sharing
/// features, values of colliding indices added, collisions counted.</summary>
public class FeatureHashTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase("", 0u, 0u)]
    [TestCase("test", 0u, 0xba6bd213u)]
    [TestCase("Hello, world!", 1234u, 0xfaf6cdb3u)]
    [TestCase("The quick brown fox jumps over the lazy dog", 0u, 0x2e4ff723u)]
    public void Murmur3_PublishedVectors(string text, uint seed, uint expected) =>
        Assert.That(FeatureHash.Murmur3(Encoding.UTF8.GetBytes(text), seed), Is.EqualTo(expected));

    private (DataShard Shard, LibSvmConverter Converter) Convert(string name, string text, int bits)
    {
        var input = Path.Combine(_dir, name);
        File.WriteAllText(input, text);
        var converter = new LibSvmConverter(input, null, hashBits: bits);
        var output = Path.Combine(_dir, name + ".bin");
        var header = converter.Convert(output);
        Assert.That(header.Features, Is.EqualTo(1 << bits));
        return (ShardLoader.Load(output, header, 0, header.Rows, 0), converter);
    }

    [Test]
    public void Convert_SeparateFiles_ShareHashedFeatures()
    {
        var (a, _) = Convert("a", "1 7:2.5 900000:1\n", 20);
        var (b, _) = Convert("b", "0 3:1 7:-4\n", 20);
        int feature = FeatureHash.OfIndex(7, 20);
        Assert.That(a.Features.Doubles()[feature], Is.EqualTo(2.5));
        Assert.That(b.Features.Doubles()[feature], Is.EqualTo(-4));
    }

    [Test]
    public void Convert_FewBits_CollidingValuesAddedAndCounted()
    {
        // 40 distinct indices into 8 features: collisions are certain.
        var pairs = string.Join(' ', Enumerable.Range(1, 40).Select(j => $"{j}:{j}"));
        var (shard, converter) = Convert("c", $"1 {pairs}\n", 3);
        var expected = new double[8];
        for (int j = 1; j <= 40; j++) expected[FeatureHash.OfIndex(j, 3)] += j;
        Assert.That(shard.Features.Doubles(), Is.EqualTo(expected));
        var buckets = Enumerable.Range(1, 40).GroupBy(j => FeatureHash.OfIndex(j, 3));
        Assert.That(converter.DistinctInputs, Is.EqualTo(40));
        Assert.That(converter.Collisions, Is.EqualTo(buckets.Where(g => g.Count() > 1).Sum(g => g.Count())));
    }
}
