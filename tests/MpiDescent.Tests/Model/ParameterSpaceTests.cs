using MpiDescent.Communication;
using MpiDescent.Model;

namespace MpiDescent.Tests.Model;

/// <summary>The reductions of a partitioned parameter space give, on every rank, bitwise what the same space gives
/// replicated, at 1 to 7 ranks and for lengths that leave ranks with no elements; slices are whole chunks; the values
/// agree with plain sums to rounding, and non-finite entries propagate as in plain arithmetic.</summary>
public class ParameterSpaceTests
{
    private static double[] Vector(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.ScaleB(random.NextDouble() - 0.5, random.Next(-30, 30)))
            .ToArray();
    }

    private static double[] Reductions(ParameterSpace space, double[] a, double[] b, double[] c, int weights)
    {
        double[] Mine(double[] v) => space.SliceOf(v);
        var (sa, sb, sc) = (Mine(a), Mine(b), Mine(c));
        return [space.Dot(sa, sb), space.Norm(sa), space.DotOfDifference(sa, sb, sc), space.SquaredDistance(sb, sc),
            space.SquaredNormBefore(sa, weights), space.AbsoluteSumBefore(sb, weights), space.MaxAbs(sc)];
    }

    [Test]
    public void Reductions_PartitionedAt1To7Ranks_BitwiseTheReplicatedOnes([Values(1, 3, 38, 5000, 300001)] int n)
    {
        var (a, b, c) = (Vector(n, 1), Vector(n, 2), Vector(n, 3));
        int weights = Math.Max(n - 2, 0);
        var replicated = Reductions(ParameterSpace.Whole(n), a, b, c, weights);
        for (int ranks = 1; ranks <= 7; ranks++)
            foreach (var result in ThreadedCommunicator.Run(ranks, comm =>
                         Reductions(ParameterSpace.Partitioned(n, comm), a, b, c, weights)))
                Assert.That(result, Is.EqualTo(replicated), $"n = {n}, {ranks} ranks");
        double dot = a.Zip(b, (x, y) => x * y).Sum(), scale = a.Zip(b, (x, y) => Math.Abs(x * y)).Sum();
        // Both sums err by at most n·u of the sum of magnitudes (u = 2⁻⁵³), the reference's sequential sum too.
        double bound = 2 * n * Math.ScaleB(1, -53);
        Assert.That(replicated[0], Is.EqualTo(dot).Within(bound * scale));
        Assert.That(replicated[5], Is.EqualTo(b.Take(weights).Sum(Math.Abs)).Within(bound * b.Sum(Math.Abs)));
        Assert.That(replicated[6], Is.EqualTo(c.Max(Math.Abs)));
    }

    [Test]
    public void Partitioned_Slices_AreWholeChunksCoveringEveryParameter([Values(1, 4, 4097, 300001)] int n,
        [Values(2, 3, 7)] int ranks)
    {
        var spaces = ThreadedCommunicator.Run(ranks, comm => ParameterSpace.Partitioned(n, comm));
        int unit = ParameterSpace.SliceUnit(n);
        Assert.That(spaces.Sum(s => s.Length), Is.EqualTo(n));
        for (int r = 0; r < ranks; r++)
        {
            Assert.That(spaces[r].Start, Is.EqualTo(spaces[0].Slices.Start(r)));
            if (spaces[r].Length > 0) Assert.That(spaces[r].Start % unit, Is.Zero, $"rank {r} starts on a chunk");
        }
        Assert.That((long)ParameterSpace.ChunkLengthFor(n) * ParameterSpace.MaxChunks, Is.GreaterThanOrEqualTo(n));
        if (n < ranks * unit) Assert.That(spaces.Any(s => s.Length == 0), "some ranks own nothing");
    }

    [Test]
    public void Dot_NonFiniteEntry_PropagatesLikePlainArithmetic()
    {
        var a = Vector(5000, 4);
        var b = Vector(5000, 5);
        a[4321] = double.PositiveInfinity;
        var results = ThreadedCommunicator.Run(3, comm =>
        {
            var space = ParameterSpace.Partitioned(5000, comm);
            return space.Dot(space.SliceOf(a), space.SliceOf(b));
        });
        Assert.That(results, Is.All.EqualTo(b[4321] > 0 ? double.PositiveInfinity : double.NegativeInfinity));
        b[17] = double.NaN;
        Assert.That(ParameterSpace.Whole(5000).Dot(a, b), Is.NaN);
    }
}
