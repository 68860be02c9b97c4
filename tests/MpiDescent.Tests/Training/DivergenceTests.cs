using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>The solver loop's divergence contract, for every method: when an evaluation overflows, the result is the
/// last iterate whose loss was finite, with that iterate's recorded loss (issue 12).</summary>
public class DivergenceUnitTests
{
    /// <summary>f(x) = ½‖x − 1‖², whose evaluations from the (<paramref name="finite"/> + 1)-th on overflow.</summary>
    private sealed class OverflowingQuadratic(int n, int finite) : IStochasticObjective
    {
        public int Dimension => n;
        public long Evaluations { get; private set; }
        public long Rows => 100;
        private int _calls;

        public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
        {
            Evaluations++;
            return Value(point, gradient);
        }

        public double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient) =>
            Value(point, gradient);

        public double EvaluateWeightedSample(ReadOnlySpan<double> point, ReadOnlySpan<int> localRows,
            ReadOnlySpan<double> factors, long draws, Span<double> gradient) => Value(point, gradient);

        private double Value(ReadOnlySpan<double> point, Span<double> gradient)
        {
            if (++_calls > finite) throw new NonFiniteValueException("the loss or gradient overflowed (test)");
            double f = 0;
            for (int k = 0; k < n; k++)
            {
                gradient[k] = point[k] - 1;
                f += 0.5 * gradient[k] * gradient[k];
            }
            return f;
        }
    }

    [TestCase("gd")]
    [TestCase("momentum")]
    [TestCase("nesterov")]
    [TestCase("adam")]
    [TestCase("sgd")]
    public void Run_EvaluationOverflows_ReturnsTheLastFiniteIterate(string solver)
    {
        var objective = new OverflowingQuadratic(3, finite: 4);
        IIterativeMethod method = solver switch
        {
            "momentum" => new MomentumDescent(objective, 0.1, 0.9, nesterov: false),
            "nesterov" => new MomentumDescent(objective, 0.1, 0.9, nesterov: true),
            "adam" => new Adam(objective, 0.1),
            "sgd" => new MiniBatchSgd(objective, 0.1, 50, 1),
            _ => new GradientDescent(objective, 0.1),
        };
        var result = SolverLoop.Minimize(method, objective, new TerminationCriteria(100, 0), new double[3]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.Diverged), result.ExitReason);
        Assert.That(result.ExitReason, Does.Contain("last finite iterate"));
        Assert.That(result.Point.All(double.IsFinite), Is.True);
        var last = result.History[^1];
        Assert.That(result.Value, Is.EqualTo(last.Loss), "the kept point's recorded loss");
        double expected = result.Point.Sum(x => 0.5 * (x - 1) * (x - 1));
        Assert.That(result.Value, Is.EqualTo(expected).Within(1e-15), "and it is that point's loss");
    }

    /// <summary>L-BFGS rejects overflowing trials in its line search: it never leaves the last finite point, and says
    /// that it could not decrease the loss further.</summary>
    [Test]
    public void Run_LbfgsTrialsOverflow_KeepsTheLastFinitePoint()
    {
        var objective = new OverflowingQuadratic(3, finite: 1);
        var result = SolverLoop.Minimize(new Lbfgs(objective), objective, new TerminationCriteria(100, 0),
            new double[3]);
        Assert.That(result.Point, Is.EqualTo(new double[3]));
        Assert.That(result.Value, Is.EqualTo(1.5));
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.NoProgress));
        Assert.That(result.ExitReason, Does.Contain("found no decrease"));
    }

    [Test]
    public void Run_FirstEvaluationOverflows_SaysThereIsNoFiniteModel()
    {
        var objective = new OverflowingQuadratic(3, finite: 0);
        var result = SolverLoop.Minimize(new GradientDescent(objective, 0.1), objective, new TerminationCriteria(100,
            0),
            new double[3]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.Diverged));
        Assert.That(result.Point, Is.Empty);
        Assert.That(result.ExitReason, Does.Contain("first evaluation already overflowed"));
    }
}
