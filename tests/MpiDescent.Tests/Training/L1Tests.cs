using MpiDescent.Cli;
using MpiDescent.Communication;

namespace MpiDescent.Tests.Training;

/// <summary>L1 and elastic net against an independent cyclic coordinate-descent Lasso written here.</summary>
public class L1Tests
{
    /// <summary>Standardized diabetes (population std) and its labels.</summary>
    private static (double[] X, double[] Y, int M, int D) StandardizedDiabetes()
    {
        var (x, y, m, d) = TestData.LoadDiabetes();
        for (int j = 0; j < d; j++)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < m; i++) mean += x[i * d + j] / m;
            for (int i = 0; i < m; i++) var += (x[i * d + j] - mean) * (x[i * d + j] - mean) / m;
            for (int i = 0; i < m; i++) x[i * d + j] = (x[i * d + j] - mean) / Math.Sqrt(var);
        }
        return (x, y, m, d);
    }

    /// <summary>Minimizes 1/(2m)‖Xw + b − y‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖² by exact cyclic coordinate descent.</summary>
    private static double CoordinateDescent(double[] x, double[] y, int m, int d, double l1, double l2)
    {
        var w = new double[d];
        double b = y.Average();
        var r = y.Select(v => b - v).ToArray(); // residual Xw + b − y
        for (int sweep = 0; sweep < 20000; sweep++)
        {
            double change = 0;
            for (int j = 0; j < d; j++)
            {
                double rho = 0, norm = 0;
                for (int i = 0; i < m; i++)
                {
                    rho += x[i * d + j] * (r[i] - x[i * d + j] * w[j]); norm += x[i * d
                    + j] * x[i * d + j];
                }
                rho = -rho / m; norm /= m;
                double updated = Math.Sign(rho) * Math.Max(Math.Abs(rho) - l1, 0) / (norm + l2);
                double delta = updated - w[j];
                if (delta != 0) for (int i = 0; i < m; i++) r[i] += delta * x[i * d + j];
                w[j] = updated;
                change = Math.Max(change, Math.Abs(delta));
            }
            double shift = r.Average();
            b -= shift;
            for (int i = 0; i < m; i++) r[i] -= shift;
            if (change < 1e-14) break;
        }
        return r.Sum(v => v * v) / (2 * m) + l1 * w.Sum(Math.Abs) + 0.5 * l2 * w.Sum(v => v * v);
    }

    [TestCase("owlqn", 1)]
    [TestCase("owlqn", 3)]
    [TestCase("proximal-gd", 3)]
    [TestCase("proximal-gd-line-search", 1)]
    public void L1Solvers_Diabetes_ReachCoordinateDescentOptimum(string solver, int ranks)
    {
        var (x, y, m, d) = StandardizedDiabetes();
        const double l1 = 2.0, l2 = 0.5;
        double optimum = CoordinateDescent(x, y, m, d, l1, l2);
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, d);
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(L2: l2));
            var penalty = new L1Penalty(l1, d);
            var termination = new TerminationCriteria(50_000, 1e-11);
            if (solver == "owlqn") return SolverLoop.Minimize(new OwlQn(objective, penalty), objective, termination,
                new double[d + 1]);
            double step = 1 / (StepSizeEstimator.LargestCurvature(new LinearObjective(shard, partition, comm,
                new ObjectiveSettings())) + l2);
            return SolverLoop.Minimize(new GradientDescent(objective, step, solver.EndsWith("line-search"), penalty),
                objective, termination, new double[d + 1]);
        });
        Assert.That((results[0].Value - optimum) / optimum, Is.LessThan(1e-10).And.GreaterThan(-1e-12),
            results[0].ExitReason);
        Assert.That(results[0].Point.Take(d).Count(w => w == 0), Is.GreaterThan(0), "L1 produces exact zeros");
        foreach (var r in results) Assert.That(r.Point, Is.EqualTo(results[0].Point));
    }

    [Test]
    public void SoftThreshold_BelowTheThreshold_PositiveZeroElseShrunk()
    {
        var penalty = new L1Penalty(1.0, 5);
        double[] point = [-0.25, 0.25, -3, 3, -0.0, 7];
        penalty.SoftThreshold(point, 0.5);
        Assert.That(point.Select(BitConverter.DoubleToInt64Bits),
            Is.EqualTo(new[] { 0, 0, -2.5, 2.5, 0, 7 }.Select(BitConverter.DoubleToInt64Bits)),
            "zeros are +0 (bits 0); the intercept (last) is not penalized");
    }

    [Test]
    public void L1Penalty_PseudoGradient_IsMinimumNormSubgradient()
    {
        var penalty = new L1Penalty(1.0, 3);
        var result = new double[4];
        penalty.PseudoGradient([2.0, -1.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5], result);
        Assert.That(result, Is.EqualTo(new[] { 1.5, -0.5, 0.0, 0.5 }),
            "at 0 with |g| ≤ λ the subgradient contains 0; the intercept is not penalized");
        penalty.PseudoGradient([0.0, 0.0, 0.0, 0.0], [3.0, -3.0, 0.0, 0.0], result);
        Assert.That(result, Is.EqualTo(new[] { 2.0, -2.0, 0.0, 0.0 }));
    }

    [Test]
    public void TrainOptions_ElasticNet_SplitsRegularization()
    {
        var o = TrainOptions.Parse(["d.bin", "--solver", "lbfgs", "--elastic-net", "0.25", "--regularization", "2"]);
        Assert.That((o.Settings.L1, o.Settings.L2), Is.EqualTo((0.5, 1.5)));
        Assert.Throws<UsageException>(() => TrainOptions.Parse(["d.bin", "--solver", "adam", "--l1", "1"]));
        Assert.Throws<UsageException>(() => TrainOptions.Parse(["d.bin", "--elastic-net", "0.5"]));
        Assert.Throws<UsageException>(() => TrainOptions.Parse(["d.bin", "--elastic-net", "0.5", "--regularization",
            "1", "--l2", "1"]));
    }

    [Test]
    public void LearningRateSchedule_Kinds_FollowTheirFormulas()
    {
        Assert.That(new LearningRateSchedule("constant").Rate(0.4, 9), Is.EqualTo(0.4));
        Assert.That(new LearningRateSchedule("inverse-scaling").Rate(0.4, 3), Is.EqualTo(0.2).Within(1e-15));
        Assert.That(new LearningRateSchedule("step").Rate(0.4, 25), Is.EqualTo(0.1).Within(1e-15));
    }

    [Test]
    public void TerminationCriteria_RelativeLossChange_Stops()
    {
        var criteria = new TerminationCriteria(100, 0, RelativeLossTolerance: 1e-6);
        Assert.That(criteria.Check(5, 1.0, 2.0, 1, 1, previousLoss: 1.0000005)?.Exit,
            Is.EqualTo(ExitCondition.Converged));
        Assert.That(criteria.Check(5, 1.0, 2.0, 1, 1, previousLoss: 1.1), Is.Null);
    }
}
