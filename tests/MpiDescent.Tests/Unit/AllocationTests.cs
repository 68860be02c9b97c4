using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Training;

namespace MpiDescent.Tests.Unit;

/// <summary>The per-iteration hot path allocates nothing: evaluations reuse preallocated buffers (issue 5).</summary>
public class AllocationTests
{
    [TestCase(LossKind.Squared, Summation.Reproducible)]
    [TestCase(LossKind.Squared, Summation.Plain)]
    [TestCase(LossKind.Logistic, Summation.Reproducible)]
    [TestCase(LossKind.Softmax, Summation.Reproducible)]
    public void Evaluate_AfterWarmUp_AllocatesNothing(LossKind loss, Summation summation)
    {
        const int d = 16;
        var (x, yRaw) = TestData.Synthetic(rows: 5000, features: d, seed: 8);
        var y = loss switch
        {
            LossKind.Logistic => yRaw.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray(),
            LossKind.Softmax => yRaw.Select((v, i) => (double)(i % 4)).ToArray(),
            _ => yRaw,
        };
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, d);
        var objective = new LinearObjective(shard, partition, comm,
            new ObjectiveSettings(loss, true, L2: 0.1, Summation: summation, Classes: loss == LossKind.Softmax ? 4 : 1), new RunControl());
        var point = Enumerable.Range(0, objective.Dimension).Select(k => 0.01 * k).ToArray();
        var gradient = new double[objective.Dimension];
        long[] sample = [3, 17, 4000, 4999];
        for (int i = 0; i < 5; i++) { objective.Evaluate(point, gradient); objective.EvaluateSample(point, sample, gradient); }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) { objective.Evaluate(point, gradient); objective.EvaluateSample(point, sample, gradient); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), $"{allocated} bytes allocated in 100 evaluations");
    }
}
