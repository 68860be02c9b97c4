using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Data;

/// <summary>float32 storage: what is stored is the float-rounded value, and every computation on it equals, bit for
/// bit, the same computation on float64 rows holding those rounded values.</summary>
public class Float32Tests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static double[] Rounded(double[] values) => values.Select(v => (double)(float)v).ToArray();

    private static DataShard Float32Shard(double[] x, double[] y, int features, long start = 0) =>
        DataShard.FromArrays(new DataFileHeader(y.Length, features, ElementType.Float32,
            DataFileHeader.DefaultChecksumBlockRows, [], 0),
            start, x.Select(v => (float)v).ToArray(), y);

    [Test]
    public void Load_Float32FileAtEveryRankCount_HoldsTheRoundedValues([Values(1, 2, 3, 7)] int ranks)
    {
        var (x, y) = TestData.Synthetic(rows: 5000, features: 3, seed: 1);
        var path = TestData.WriteDataFile(_dir, x, y, 3, elementType: ElementType.Float32);
        var header = DataFileHeader.Read(path);
        Assert.That(header.ElementType, Is.EqualTo(ElementType.Float32));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(header.FileBytes));
        Assert.That(header.RecordBytes, Is.EqualTo(16));
        var partition = new RowPartition(header.Rows, ranks);
        var features = new List<double>();
        var labels = new List<double>();
        for (int r = 0; r < ranks; r++)
        {
            var (start, end) = partition.RowsOf(r);
            var shard = ShardLoader.Load(path, header, start, end, r);
            Assert.That(shard.ElementType, Is.EqualTo(ElementType.Float32));
            features.AddRange(shard.Features.Singles().Select(v => (double)v));
            labels.AddRange(shard.Labels);
        }
        Assert.That(features, Is.EqualTo(Rounded(x)));
        Assert.That(labels, Is.EqualTo(Rounded(y)));
    }

    [Test]
    public void Writer_Float32ValueBeyondRange_Throws()
    {
        using var writer = new DataFileWriter(Path.Combine(_dir, "big.bin"), 1, elementType: ElementType.Float32);
        Assert.Throws<OverflowException>(() => writer.WriteRow([1e39], 0));
    }

    [Test]
    public void Load_Float32FileWithNaN_NamesRowAndFeature()
    {
        var path = Path.Combine(_dir, "nan.bin");
        using (var writer = new DataFileWriter(path, 2, ["a", "b"], elementType: ElementType.Float32))
        {
            writer.WriteRow([1, 2], 0);
            writer.WriteRow([3, double.NaN], 1);
            writer.Complete();
        }
        var header = DataFileHeader.Read(path);
        var e = Assert.Throws<InputFileException>(() => ShardLoader.Load(path, header, 0, 2, 0));
        Assert.That(e!.Message, Does.Contain("row 2 ").And.Contain("feature 'b'"), "1-based");
    }

    /// <summary>Features chosen so that every loop of the kernels runs: full 8-vector chunks, single vectors, scalar
    /// tails.</summary>
    [Test]
    public void Evaluate_Float32Shard_BitwiseEqualsFloat64ShardOfTheRoundedValues(
        [Values(LossKind.Squared, LossKind.Logistic, LossKind.SquaredHinge,
            LossKind.Softmax)] LossKind loss, [Values(7, 70)] int features)
    {
        var (x, y) = TestData.Synthetic(rows: 1500, features: features, seed: 5);
        int classes = loss == LossKind.Softmax ? 3 : 1;
        y = loss switch
        {
            LossKind.Squared => y,
            LossKind.Softmax => y.Select(v => (double)(Math.Abs((int)Math.Floor(v * 3)) % 3)).ToArray(),
            _ => y.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray(),
        };
        var settings = new ObjectiveSettings(Loss: loss, Classes: classes, FitIntercept: true, L2: 0.01);
        var comm = new SingleProcessCommunicator();
        var (reference, partition) = Shards.For(comm, Rounded(x), y, features);
        var single = Float32Shard(x, y, features);
        var point = Enumerable.Range(0, classes * (features + 1)).Select(k => 0.05 * ((k % 9) - 4)).ToArray();
        var g64 = new double[point.Length];
        var g32 = new double[point.Length];
        double v64 = new LinearObjective(reference, partition, comm, settings).Evaluate(point, g64);
        double v32 = new LinearObjective(single, partition, comm, settings).Evaluate(point, g32);
        Assert.That(v32, Is.EqualTo(v64));
        Assert.That(g32, Is.EqualTo(g64));
    }

    [Test]
    public void Evaluate_Float32AtAnyRankCount_BitwiseEqualToSingleProcess([Values(2, 3, 7)] int ranks)
    {
        const int features = 5;
        var (x, y) = TestData.Synthetic(rows: 3000, features: features, seed: 8);
        var point = new[] { 0.1, -0.2, 0.3, 0.4, -0.5, 0.6 };
        double[] Gradient(ICommunicator comm)
        {
            var partition = new RowPartition(y.Length, comm.Size);
            var (start, end) = partition.RowsOf(comm.Rank);
            var shard = Float32Shard(x[(int)(start * features)..(int)(end * features)], y[(int)start..(int)end],
                features, start);
            var gradient = new double[features + 1];
            new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true)).Evaluate(point,
                gradient);
            return gradient;
        }
        var reference = Gradient(new SingleProcessCommunicator());
        foreach (var gradient in ThreadedCommunicator.Run(ranks, Gradient)) Assert.That(gradient,
            Is.EqualTo(reference));
    }

    [Test]
    public void Standardize_Float32Shard_RoundsTheStandardizedValuesOnce()
    {
        const int features = 4;
        var (x, y) = TestData.Synthetic(rows: 500, features: features, seed: 12);
        x = x.Select((v, k) => v * (k % features + 1) * 100 + 7).ToArray(); // scales and offsets worth standardizing
        var comm = new SingleProcessCommunicator();
        var single = Float32Shard(x, y, features);
        var (reference, _) = Shards.For(comm, Rounded(x), y, features);
        var scaling = FeatureScaling.Compute(single, y.Length, comm, center: true, Summation.Reproducible);
        var expected = FeatureScaling.Compute(reference, y.Length, comm, center: true, Summation.Reproducible);
        Assert.That(scaling.Means, Is.EqualTo(expected.Means),
            "statistics are computed in double from the same values");
        Assert.That(scaling.Scales, Is.EqualTo(expected.Scales));
        scaling.Apply(single);
        expected.Apply(reference);
        var standardized = single.Features.Singles();
        var referenceValues = reference.Features.Doubles();
        for (int k = 0; k < standardized.Length; k++) Assert.That(standardized[k],
            Is.EqualTo((float)referenceValues[k]));
    }

    [Test]
    public void NormalEquations_Float32Shard_MatchesQrOfTheRoundedData()
    {
        const int features = 6;
        var (x, y) = TestData.Synthetic(rows: 2000, features: features, seed: 9);
        var comm = new SingleProcessCommunicator();
        var shard = Float32Shard(x, y, features);
        var theta = NormalEquations.Solve(shard, new RowPartition(y.Length, 1), comm, fitIntercept: true,
            Summation.Reproducible);
        var expected = Shards.QrSolution(Rounded(x), y, features);
        for (int k = 0; k < expected.Length; k++) Assert.That(theta[k], Is.EqualTo(expected[k]).Within(1e-10));
    }
}
