using System.Numerics;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Numerics;

public class ExactVectorSumTests
{
    /// <summary>Independent reference: the exact sum as a big integer in units of 2^-1074, rounded half-to-even to a
    /// double.</summary>
    internal static double ExactlyRoundedSum(IEnumerable<double> values)
    {
        BigInteger total = BigInteger.Zero;
        foreach (var v in values)
        {
            long bits = BitConverter.DoubleToInt64Bits(v);
            int biased = (int)((bits >> 52) & 0x7FF);
            long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
            if (biased != 0) mantissa |= 1L << 52;
            int shift = Math.Max(biased, 1) - 1;
            var term = new BigInteger(mantissa) << shift;
            total += bits < 0 ? -term : term;
        }
        if (total.IsZero) return 0;
        var magnitude = BigInteger.Abs(total);
        long length = (long)magnitude.GetBitLength();
        int drop = (int)Math.Max(0, length - 53);
        var kept = magnitude >> drop;
        var remainder = magnitude - (kept << drop);
        if (drop > 0)
        {
            var half = BigInteger.One << (drop - 1);
            if (remainder > half || (remainder == half && !kept.IsEven)) kept += 1;
        }
        double result = Math.ScaleB((double)kept, drop - 1074);
        return total.Sign < 0 ? -result : result;
    }

    private static double Sum(IEnumerable<double> values)
    {
        var sum = new ExactVectorSum(1);
        foreach (var v in values) sum.Add(0, v);
        var result = new double[1];
        sum.Allreduce(new SingleProcessCommunicator(), result);
        return result[0];
    }

    [Test]
    public void Reduce_CatastrophicCancellation_ReturnsExactResult()
    {
        Assert.That(Sum([1e16, 1.0, -1e16]), Is.EqualTo(1.0));
        Assert.That(Sum([1e60, 3.0, -1e60, -1.0]), Is.EqualTo(2.0));
        Assert.That(Sum([0.1, 0.2, -0.3]), Is.EqualTo(ExactlyRoundedSum([0.1, 0.2, -0.3])));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Reduce_RandomValuesOfMixedScale_EqualsCorrectlyRoundedReference(int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, 5000)
            .Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30))).ToArray();
        Assert.That(BitConverter.DoubleToInt64Bits(Sum(values)),
            Is.EqualTo(BitConverter.DoubleToInt64Bits(ExactlyRoundedSum(values))));
    }

    /// <summary>The vector deposit (four elements at once when they share a limb) against the reference, on vectors
    /// mixing groups it takes (similar magnitudes, zeros, either sign) and groups it must leave to the scalar path
    /// (mixed magnitudes, subnormals, values below the window).</summary>
    [TestCase(1)]
    [TestCase(2)]
    public void AddVector_MixedGroups_EachElementEqualsCorrectlyRoundedReference(int seed)
    {
        const int length = 1003, additions = 40;
        var random = new Random(seed);
        var added = new double[additions][];
        for (int a = 0; a < additions; a++)
            added[a] = Enumerable.Range(0, length).Select(i => (i / 4 % 5) switch
            {
                0 => (random.NextDouble() - 0.5) * 64,                                 // one magnitude, both signs
                1 => random.Next(3) == 0 ? 0.0 : 40 + random.NextDouble(),            // zeros among equal magnitudes
                2 => (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60, 60)),  // mixed magnitudes
                3 => random.Next(2) == 0 ? double.Epsilon * random.Next(1, 9) : 1e-200, // subnormals, below the window
                _ => -(1 + random.NextDouble()) * 1e20,
            }).ToArray();
        var sum = new ExactVectorSum(length);
        foreach (var values in added) sum.Add(values);
        var result = new double[length];
        sum.Allreduce(new SingleProcessCommunicator(), result);
        for (int i = 0; i < length; i++)
        {
            var column = added.Select(v => v[i]).ToArray();
            double expected = i / 4 % 5 == 3 ? Sum(column)
                : ExactlyRoundedSum(column); // below the window: the scalar path's truncation
            Assert.That(BitConverter.DoubleToInt64Bits(result[i]),
                Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)), $"element {i}");
        }
    }

    [Test]
    public void Reduce_SubnormalsZerosAndNegativeTotals_EqualReference()
    {
        double[] values = [double.Epsilon, -0.0, 0.0, 3 * double.Epsilon, -1e-300, 2.5e-310, -7.25];
        Assert.That(Sum(values), Is.EqualTo(-7.25));
        double[] small = [1e-70, -3e-75, 2e-72];
        Assert.That(Sum(small), Is.EqualTo(ExactlyRoundedSum(small)),
            "inside the window (above 2^-267) sums are exact");
    }

    [Test]
    public void Reduce_ValuesBelowTheWindow_LoseAtMost2ToMinus320PerAddition()
    {
        double[] tiny = [1e-90, -3e-95, 2e-92, 1e-200];
        Assert.That(Sum(tiny), Is.EqualTo(ExactlyRoundedSum(tiny)).Within(tiny.Length * Math.ScaleB(1, -320)));
        Assert.That(Sum(tiny), Is.Not.EqualTo(0.0));
    }

    [Test]
    public void Reduce_AnyOrderAndRankSplit_GivesTheSameBits()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 2000).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60,
            60))).ToArray();
        long reference = BitConverter.DoubleToInt64Bits(Sum(values));
        foreach (int ranks in new[] { 2, 3, 7 })
        {
            var shuffled = values.OrderBy(_ => random.Next()).ToArray();
            var results = ThreadedCommunicator.Run(ranks, comm =>
            {
                var sum = new ExactVectorSum(1);
                for (int i = comm.Rank; i < shuffled.Length; i += comm.Size) sum.Add(0, shuffled[i]);
                var result = new double[1];
                sum.Allreduce(comm, result);
                return BitConverter.DoubleToInt64Bits(result[0]);
            });
            Assert.That(results, Is.All.EqualTo(reference), $"{ranks} ranks");
        }
    }

    [Test]
    public void Add_NonFiniteOrHugeValue_Throws()
    {
        var sum = new ExactVectorSum(1);
        Assert.Throws<NonFiniteValueException>(() => sum.Add(0, double.NaN));
        Assert.Throws<NonFiniteValueException>(() => sum.Add(0, double.PositiveInfinity));
        Assert.Throws<NonFiniteValueException>(() => sum.Add(0, 1e80));
        Assert.DoesNotThrow(() => sum.Add(0, 1e70));
    }

    [Test]
    public void Reduce_PlainSumAcrossSplits_CanDifferInLastBits()
    {
        // The counter-example that makes the exact sum necessary: plain summation depends on grouping.
        double[] values = [1.0, 1e-16, 1e-16, -1.0];
        double leftToRight = ((values[0] + values[1]) + values[2]) + values[3];
        double paired = (values[0] + values[3]) + (values[1] + values[2]);
        Assert.That(leftToRight, Is.Not.EqualTo(paired));
        Assert.That(Sum(values), Is.EqualTo(2e-16));
    }
}
