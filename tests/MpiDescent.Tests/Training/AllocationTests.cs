using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>The per-iteration hot path allocates nothing: evaluations reuse preallocated buffers (issue 5).</summary>
public class AllocationTests
{
    [TestCase(LossKind.Squared, Summation.Reproducible)]
    [TestCase(LossKind.Squared, Summation.Plain)]
    [TestCase(LossKind.Logistic, Summation.Reproducible)]
    [TestCase(LossKind.Softmax, Summation.Reproducible)]
    [TestCase(LossKind.Logistic, Summation.Reproducible, true)]
    [TestCase(LossKind.Softmax, Summation.Reproducible, true)]
    [TestCase(LossKind.Squared, Summation.Plain, true)]
    public void Evaluate_AfterWarmUp_AllocatesNothing(LossKind loss, Summation summation, bool sparse = false)
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
        // Sparse: the same rows with about half their entries zeroed (the windowed sum's reduction buffers are kept).
        for (int k = 0; k < x.Length; k += 2) x[k] = sparse ? 0 : x[k];
        var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, d) : Shards.For(comm, x, y, d);
        var objective = new LinearObjective(shard, partition, comm,
            new ObjectiveSettings(loss, true, L2: 0.1, Summation: summation, Classes: loss == LossKind.Softmax ? 4
                : 1), new RunControl());
        var point = Enumerable.Range(0, objective.Dimension).Select(k => 0.01 * k).ToArray();
        var gradient = new double[objective.Dimension];
        long[] sample = [3, 17, 4000, 4999];
        for (int i = 0; i < 5; i++)
        {
            objective.Evaluate(point, gradient); objective.EvaluateSample(point, sample,
            gradient);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            objective.Evaluate(point, gradient); objective.EvaluateSample(point, sample,
            gradient);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.EqualTo(0), $"{allocated} bytes allocated in 100 evaluations");
    }

    /// <summary>L-BFGS and OWL-QN allocate no vectors per iteration once their memory of pairs is full: iterations
    /// 21-40 of a 20,000-parameter problem allocate less than one vector (160 KB) in all (history records only; before,
    /// three vectors per iteration: 9.6 MB).</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void LbfgsMinimize_AfterMemoryFills_AllocatesNoVectorsPerIteration(bool l1)
    {
        const int n = 20_000;
        long Allocated(int iterations)
        {
            var objective = new IllConditionedQuadratic(n);
            var termination = new TerminationCriteria(iterations, 0);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var result = l1
                ? SolverLoop.Minimize(new OwlQn(objective, new L1Penalty(1e-6, n)), objective, termination,
                    new double[n])
                : SolverLoop.Minimize(new Lbfgs(objective), objective, termination, new double[n]);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(result.Iterations, Is.EqualTo(iterations), result.ExitReason);
            return allocated;
        }
        Allocated(40); // warm-up (JIT, statics)
        long extra = Allocated(40) - Allocated(20);
        Assert.That(extra, Is.LessThan(n * 8), $"{extra} bytes for iterations 21-40");
    }

    /// <summary>f(x) = ½ Σ a_k (x_k − 1)² with a_k from 1 to 10⁴: slow enough that 40 iterations do not
    /// converge.</summary>
    private sealed class IllConditionedQuadratic(int n) : IObjective
    {
        public int Dimension => n;
        public long Evaluations { get; private set; }
        public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
        {
            Evaluations++;
            double f = 0;
            for (int k = 0; k < n; k++)
            {
                double a = Math.Pow(1e4, (double)k / (n - 1)), r = point[k] - 1;
                f += 0.5 * a * r * r;
                gradient[k] = a * r;
            }
            return f;
        }
    }
}
