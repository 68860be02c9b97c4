using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Numerics;

/// <summary>The windowed sum for sparse data (issue 13): order- and rank-count-independent to the bit, within
/// n·2^-64 of the largest value of the exactly rounded sum (an independent big-integer reference), exact for
/// integers.</summary>
public class WindowedVectorSumTests
{
    private const int Elements = 40;

    /// <summary>Deposits: (element, value) with magnitudes spread over 2^-70 … 2^70 and both signs.</summary>
    private static (int Element, double Value)[] Deposits(int seed, int count = 3000)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (random.Next(Elements),
            (random.NextDouble() - 0.5) * Math.ScaleB(1.0, random.Next(-70, 71)))).ToArray();
    }

    private static double[] Reduce(ICommunicator comm, IEnumerable<(int Element, double Value)> deposits)
    {
        var sum = new WindowedVectorSum(Elements);
        foreach (var (e, v) in deposits) sum.Add(e, v);
        var totals = new double[Elements];
        sum.Allreduce(comm, totals);
        return totals;
    }

    [Test]
    public void Allreduce_AnyOrderAndRankSplit_BitwiseEqual([Values(1, 2)] int seed)
    {
        var deposits = Deposits(seed);
        var single = Reduce(new SingleProcessCommunicator(), deposits);
        var reversed = Reduce(new SingleProcessCommunicator(), deposits.Reverse());
        Assert.That(reversed, Is.EqualTo(single));
        foreach (int ranks in new[] { 2, 3, 5 })
        {
            // Each rank takes a random subset, in a shuffled order.
            var owner = deposits.Select((_, i) => (i * 7919 + seed) % ranks).ToArray();
            var results = ThreadedCommunicator.Run(ranks, comm => Reduce(comm, deposits
                .Where((_, i) => owner[i] == comm.Rank).OrderBy(d => d.Value.GetHashCode())));
            foreach (var result in results) Assert.That(result, Is.EqualTo(single), $"{ranks} ranks");
        }
    }

    [Test]
    public void Allreduce_WideMagnitudes_WithinNTimes2ToMinus64OfTheLargest([Values(1, 2, 3)] int seed)
    {
        var deposits = Deposits(seed);
        var totals = Reduce(new SingleProcessCommunicator(), deposits);
        for (int e = 0; e < Elements; e++)
        {
            var values = deposits.Where(d => d.Element == e).Select(d => d.Value).ToArray();
            double exact = ExactVectorSumTests.ExactlyRoundedSum(values);
            double bound = values.Length * Math.ScaleB(values.Max(Math.Abs), -64) + Math.ScaleB(Math.Abs(exact), -52);
            Assert.That(Math.Abs(totals[e] - exact), Is.LessThanOrEqualTo(bound), $"element {e}");
        }
    }

    [Test]
    public void Allreduce_IntegersAndWellScaledValues_ExactlyRounded()
    {
        var random = new Random(4);
        var deposits = Enumerable.Range(0, 5000).Select(_ => (Element: random.Next(Elements), Value:
            (double)random.NextInt64(-1L << 50, 1L << 50))).ToArray();
        var totals = ThreadedCommunicator.Run(3, comm => Reduce(comm, deposits.Where((_, i) => i % 3 == comm.Rank)))[0];
        for (int e = 0; e < Elements; e++)
            Assert.That(totals[e], Is.EqualTo(ExactVectorSumTests.ExactlyRoundedSum(deposits.Where(d => d.Element == e)
                .Select(d => d.Value))));
    }

    [Test]
    public void Add_ValuesFarBelowTheLargest_DroppedBelowTheWindow()
    {
        var comm = new SingleProcessCommunicator();
        // 2^-60 of the largest lies inside the window, 2^-100 below it; a window raised later drops it too.
        Assert.That(Reduce(comm, [(0, 1.0), (0, Math.ScaleB(1, -60))])[0], Is.EqualTo(1 + Math.ScaleB(1, -60)));
        Assert.That(Reduce(comm, [(0, Math.ScaleB(1, -100)), (0, 1.0), (0, -1.0)])[0], Is.EqualTo(0));
        Assert.That(Reduce(comm, [(0, 0.0), (1, -2.5)]), Is.EqualTo(new[] { 0, -2.5 }.Concat(new double[38])));
    }

    /// <summary>TakeNonzeros' branch-free path for values inside an element's window, against Add one value at a
    /// time: the same state word for word, over values that take every path (zeros of both signs, subnormals, values
    /// below the exact sum's lowest digit, values that raise a window, values dropped below it, both signs, up to
    /// 2^191).</summary>
    [Test]
    public void TakeNonzeros_EveryKindOfValue_SameStateAsAddOneByOne([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        double Value() => random.Next(12) switch
        {
            0 => random.Next(2) == 0 ? 0.0 : -0.0,
            1 => (random.NextDouble() - 0.5) * double.Epsilon * random.Next(1, 1 << 20),
            2 => (random.NextDouble() - 0.5) * Math.ScaleB(1.0, random.Next(-1074, -266)),
            3 => (random.NextDouble() - 0.5) * Math.ScaleB(1.0, random.Next(-266, 192)),
            _ => (random.NextDouble() - 0.5) * Math.ScaleB(1.0, random.Next(-40, 41)),
        };
        var taken = new WindowedVectorSum(Elements);
        var single = new WindowedVectorSum(Elements);
        for (int block = 0; block < 300; block++)
        {
            // A block's distinct features in increasing order, as a sparse pass deposits them.
            var indices = Enumerable.Range(0, Elements).Where(_ => random.Next(3) > 0).ToArray();
            var source = new double[Elements];
            foreach (int j in indices) source[j] = Value();
            foreach (int j in indices) single.Add(j, source[j]);
            Assert.That(taken.TakeNonzeros(source, indices, 0, double.PositiveInfinity), Is.True);
        }
        Assert.That(taken.State.ToArray(), Is.EqualTo(single.State.ToArray()));
        var comm = new SingleProcessCommunicator();
        double[] totalsTaken = new double[Elements], totalsSingle = new double[Elements];
        taken.Allreduce(comm, totalsTaken);
        single.Allreduce(comm, totalsSingle);
        Assert.That(totalsTaken, Is.EqualTo(totalsSingle));
        Assert.That(totalsTaken.Count(t => t != 0), Is.GreaterThan(Elements / 2), "most elements hold a sum");
    }

    /// <summary>The 128-bit rounding of a window's limbs, against the exact sum's general rounding: random limbs of
    /// every size and sign (up to ±2^63, beyond the fast path's 2^62 top limb), windows at the lowest and the highest
    /// digits, sums that cancel, and exact ties between two doubles (which round to even).</summary>
    [Test]
    public void Total_AnyLimbs_SameBitsAsTheExactSumsRounding([Values(1, 2)] int seed)
    {
        var random = new Random(seed);
        long Limb() => random.Next(4) switch
        {
            0 => random.NextInt64(-1000, 1000),
            1 => random.NextInt64(long.MinValue, long.MaxValue),
            2 => random.NextInt64(-(1L << 62), 1L << 62),
            _ => random.NextInt64(-(1L << 33), 1L << 33),
        };
        var cases = new List<(int Top, long[] Limbs)>();
        for (int n = 0; n < 20000; n++) cases.Add((random.Next(0, 17), [Limb(), Limb(), Limb()]));
        // Ties: 2^60 + 2^7 lies halfway between 2^60 and 2^60 + 2^8, and rounds to the even 2^60; one unit more
        // rounds up; cancellation to zero and to one unit.
        cases.Add((5, [1L << 7, 1L << 28, 0]));
        cases.Add((5, [(1L << 7) + 1, 1L << 28, 0]));
        cases.Add((5, [3L << 7, 1L << 28, 0]));
        cases.Add((5, [-(1L << 7), -(1L << 28), 0]));
        cases.Add((9, [1L << 32, -1, 0]));
        cases.Add((9, [(1L << 32) + 1, -1, 0]));
        cases.Add((2, [long.MaxValue, long.MinValue, long.MaxValue]));
        foreach (var (top, limbs) in cases)
            Assert.That(WindowedVectorSum.Total(top, limbs), Is.EqualTo(WindowedVectorSum.TotalByExactRounding(top,
                limbs)), $"top {top}, limbs {string.Join(", ", limbs)}");
    }

    /// <summary>Taking a block's sums straight from its gradient buffer: each nonzero value added once at its offset
    /// (also a feature listed twice, as rows sampled one by one give), the buffer left zero, and a value that cannot be
    /// summed (NaN, infinite, at or above the bound) reported, not added, and zeroed.</summary>
    [Test]
    public void TakeNonzeros_RepeatsAndUnsummableValues_EachOnceBufferCleared()
    {
        var random = new Random(7);
        var taken = new WindowedVectorSum(2 * Elements);
        var single = new WindowedVectorSum(2 * Elements);
        for (int block = 0; block < 100; block++)
        {
            var touched = Enumerable.Range(0, Elements).Where(_ => random.Next(3) > 0).ToArray();
            var source = new double[Elements];
            foreach (int j in touched)
                source[j] = random.Next(5) == 0 ? 0
                    : (random.NextDouble() - 0.5) * Math.ScaleB(1, random.Next(-60, 60));
            foreach (int j in touched) single.Add(Elements + j, source[j]);
            Assert.That(taken.TakeNonzeros(source, touched.Concat(touched.Take(3)).ToArray(), Elements, 1e60),
                Is.True);
            Assert.That(source, Is.All.EqualTo(0));
        }
        Assert.That(taken.State.ToArray(), Is.EqualTo(single.State.ToArray()));

        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, -1e60 })
        {
            var source = new[] { 1.0, bad, 2.0 };
            var sum = new WindowedVectorSum(3);
            Assert.That(sum.TakeNonzeros(source, [0, 1, 2], 0, 1e60), Is.False, $"{bad}");
            Assert.That(source, Is.All.EqualTo(0));
            var totals = new double[3];
            sum.Allreduce(new SingleProcessCommunicator(), totals);
            Assert.That(totals, Is.EqualTo(new[] { 1.0, 0, 2.0 }));
        }
    }

    [Test]
    public void Add_NonFinite_Throws() =>
        Assert.Throws<NonFiniteValueException>(() => new WindowedVectorSum(1).Add(0, double.NaN));
}
