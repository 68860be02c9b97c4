using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Planning;

namespace MpiDescent.Tests.Planning;

/// <summary>The planner's α-β fit and predictions against hand-computed values; its measurement's sanity.</summary>
public class ScalingModelTests
{
    [TestCase(2)]
    [TestCase(4)]
    [TestCase(6)]
    public void Fit_ExactAlphaBetaTimings_RecoversAlphaAndBeta(int ranks)
    {
        const double alpha = 20e-6, beta = 1.5e-10;
        int rounds = (int)Math.Ceiling(Math.Log2(ranks));
        double[] bytes = [8, 1024, 65536, 1 << 20];
        var seconds = bytes.Select(b => alpha * rounds + beta * 2.0 * (ranks - 1) / ranks * b).ToArray();
        var cost = AllreduceCost.Fit(bytes, seconds, ranks);
        Assert.That(cost.LatencySeconds, Is.EqualTo(alpha).Within(1e-12));
        Assert.That(cost.SecondsPerByte, Is.EqualTo(beta).Within(1e-18));
        Assert.That(cost.Seconds(ranks, 4096), Is.EqualTo(alpha * rounds + beta * 2.0 * (ranks - 1) / ranks * 4096)
            .Within(1e-15));
        Assert.That(cost.Seconds(16, 4096), Is.EqualTo(alpha * 4 + beta * 2.0 * 15 / 16 * 4096).Within(1e-15));
        Assert.That(cost.Seconds(1, 4096), Is.EqualTo(0));
    }

    [Test]
    public void Fit_NoisyDecreasingTimings_ClampsAtZero()
    {
        var cost = AllreduceCost.Fit([8, 1e6], [2e-5, 1e-5], 2);
        Assert.That(cost.SecondsPerByte, Is.EqualTo(0), "no negative bandwidth term");
        Assert.That(cost.LatencySeconds, Is.EqualTo(1.5e-5).Within(1e-18), "the mean, as latency");
        var origin = AllreduceCost.Fit([1000, 2000], [1e-6, 3e-6], 2);
        Assert.That(origin.LatencySeconds, Is.EqualTo(0), "no negative latency");
        Assert.That(origin.SecondsPerByte, Is.GreaterThan(0));
    }

    [Test]
    public void Predict_KnownMeasurement_HandComputedTable()
    {
        var header = new DataFileHeader(1_000_000, 64, ElementType.Float64, 4096, [], 0);
        var cost = new AllreduceCost(10e-6, 1e-9, 2);
        var measured = new PlanMeasurement(2, LoadBytesPerSecond: 1e9, ComputeSecondsPerRow: 2e-8, cost,
            ReductionBytes: 10_000, MeasuredPassSeconds: 0.0101);
        var model = new ScalingModel(header, new TrainingSettings(), measured, nodeMemoryBytes: 2_000_000_000,
            ranksPerNode: 4);
        var one = model.Predict(1);
        Assert.That(one.RowsPerRank, Is.EqualTo(1_000_000));
        Assert.That(one.ComputeSeconds, Is.EqualTo(0.02).Within(1e-15));
        Assert.That(one.CommunicationSeconds, Is.EqualTo(0));
        Assert.That(one.SpeedUp, Is.EqualTo(1).Within(1e-15));
        Assert.That(one.LoadSeconds, Is.EqualTo(1_000_000 * 64 * 8 / 1e9).Within(1e-12));
        foreach (int n in new[] { 2, 8, 64 })
        {
            var p = model.Predict(n);
            long largest = model.LargestSlice(n);
            Assert.That(largest, Is.GreaterThanOrEqualTo(1_000_000 / n));
            double communication = 10e-6 * Math.Log2(n) + 1e-9 * 2.0 * (n - 1) / n * 10_000;
            Assert.That(p.CommunicationSeconds, Is.EqualTo(communication).Within(1e-15));
            Assert.That(p.SpeedUp, Is.EqualTo(0.02 / (2e-8 * largest + communication)).Within(1e-12));
            Assert.That(p.Efficiency, Is.EqualTo(p.SpeedUp / n).Within(1e-15));
        }
        Assert.That(model.Predict(64).Efficiency, Is.LessThan(model.Predict(8).Efficiency));
        // About 528 MB at one rank (features, labels, a weight slot): more than 0.3 GB; at 16 ranks, 4 per node,
        // a node holds 4 slices of about 33 MB.
        Assert.That(one.Fits, Is.True);
        var small = new ScalingModel(header, new TrainingSettings(), measured, 300_000_000, 4);
        Assert.That(small.Predict(1).Fits, Is.False);
        Assert.That(small.Predict(16).Fits, Is.True, "16 ranks on 4 nodes: 4 × 32 MB per node");
    }

    [Test]
    public void Measure_TwoThreadedRanks_PositiveFiguresAndAFittedAllreduce()
    {
        var dir = TestData.TempDirectory();
        var (x, y) = TestData.Synthetic(rows: 5000, features: 8, seed: 2);
        var path = TestData.WriteDataFile(dir, x, y, 8);
        var results = ThreadedCommunicator.Run(2, comm =>
        {
            using var file = DataFile.Open(path);
            return PlanMeasurement.Measure(file, new TrainingSettings(), comm, 5);
        });
        Assert.That(results[1], Is.EqualTo(results[0]), "every figure is reduced: the same on every rank");
        var m = results[0];
        Assert.That(m.Ranks, Is.EqualTo(2));
        Assert.That(m.LoadBytesPerSecond, Is.Positive.And.LessThan(double.MaxValue));
        Assert.That(m.ComputeSecondsPerRow, Is.Positive);
        Assert.That(m.MeasuredPassSeconds, Is.Positive);
        Assert.That(m.Allreduce.Measured, Is.True);
        Assert.That(m.ReductionBytes, Is.GreaterThan(8 * 9), "at least the gradient's d + 1 values");
    }
}
