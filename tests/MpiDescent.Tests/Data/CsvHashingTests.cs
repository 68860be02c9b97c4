using MpiDescent.Data;

namespace MpiDescent.Tests.Data;

/// <summary>CSV feature hashing (issue 13): numeric columns at the hash of their name, --categorical columns one-hot at
/// the hash of "column=value", a sparse file of 2^B features, shared features across separately converted files, and
/// collisions counted.</summary>
public class CsvHashingTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (double[] Dense, DataShard Shard, CsvConverter Converter) Convert(string text, int bits,
        params string[] categorical)
    {
        var input = Path.Combine(_dir, $"in{text.GetHashCode():x}.csv");
        File.WriteAllText(input, text);
        var output = Path.Combine(_dir, $"out{text.GetHashCode():x}.bin");
        var converter = new CsvConverter(input, null, null, true, hashBits: bits, categorical: categorical);
        var header = converter.Convert(output);
        Assert.That((header.Layout, header.Features), Is.EqualTo((DataLayout.Sparse, 1 << bits)));
        var shard = ShardLoader.Load(output, header, 0, header.Rows, 0);
        var dense = new double[shard.Rows * header.Features];
        for (int i = 0; i < shard.Rows; i++) shard.Features.CopyRow(i, dense.AsSpan(i * header.Features));
        return (dense, shard, converter);
    }

    [Test]
    public void Convert_NumericAndCategoricalColumns_HashedAsDocumented()
    {
        const int bits = 12, d = 1 << bits;
        var (x, shard, _) = Convert("a,color,y\n1.5,red,1\n0,blue,0\n2, red ,1\n", bits, "color");
        double[] Expected(params (string Input, double Value)[] entries)
        {
            var row = new double[d];
            foreach (var (input, value) in entries)
                row[(int)(FeatureHash.Murmur3(System.Text.Encoding.UTF8.GetBytes(input)) & (d - 1))] += value;
            return row;
        }
        Assert.That(x[..d], Is.EqualTo(Expected(("a", 1.5), ("color=red", 1))));
        Assert.That(x[d..(2 * d)], Is.EqualTo(Expected(("color=blue", 1))), "a zero is not stored");
        Assert.That(x[(2 * d)..], Is.EqualTo(Expected(("a", 2), ("color=red", 1))), "values are trimmed");
        Assert.That(shard.Labels, Is.EqualTo(new[] { 1.0, 0, 1 }));
    }

    [Test]
    public void Convert_ColumnsInAnotherOrder_SameFeatures()
    {
        var (first, _, _) = Convert("a,b,kind,y\n1,2,x,0\n", 10, "kind");
        var (second, _, _) = Convert("kind,b,a,y\nx,2,1,0\n", 10, "kind");
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Convert_MoreInputsThanFeatures_CountsCollisions()
    {
        var (_, _, converter) = Convert("a,c,y\n1,p,0\n2,q,1\n3,r,0\n", 1, "c");
        Assert.That(converter.DistinctInputs, Is.EqualTo(4), "a, c=p, c=q, c=r");
        Assert.That(converter.Collisions, Is.GreaterThanOrEqualTo(3), "4 inputs in 2 features: at least 3 share one");
    }

    [Test]
    public void Convert_CategoricalLabelColumn_IsAnError()
    {
        var input = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(input, "a,y\n1,0\n");
        var e = Assert.Throws<InputFileException>(() => new CsvConverter(input, null, null, true, hashBits: 4,
            categorical: ["y"]).Convert(Path.Combine(_dir, "bad.bin")))!;
        Assert.That(e.Message, Does.Contain("'y' is the label"));
    }
}
