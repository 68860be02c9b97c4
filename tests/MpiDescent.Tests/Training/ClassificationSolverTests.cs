using MathNet.Numerics.LinearAlgebra;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Training;

/// <summary>L2 logistic regression on scikit-learn's breast_cancer data against an independent Newton solve.</summary>
public class ClassificationSolverTests
{
    private static string BreastCancerCsv => Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
        "breast_cancer.csv");

    private static (double[] X, double[] Y, int Rows, int D) StandardizedBreastCancer() =>
        TestData.LoadStandardizedBreastCancer();

    /// <summary>Newton's method on J(θ) = (1/m)Σ log(1+e^(−y x̃·θ)) + (λ/2)‖w‖², with MathNet's dense
    /// algebra.</summary>
    private static (double[] Theta, double Value) NewtonOptimum(double[] x, double[] y, int m, int d, double lambda)
    {
        var a = Shards.Design(x, m, d);
        var theta = Vector<double>.Build.Dense(d + 1);
        var penalty = Matrix<double>.Build.DenseDiagonal(d + 1, d + 1, j => j < d ? lambda : 0);
        double Value(Vector<double> t)
        {
            var z = a * t;
            double sum = 0;
            for (int i = 0; i < m; i++)
            {
                double margin = y[i] * z[i]; sum += Math.Max(-margin, 0) + Math.Log(1
                + Math.Exp(-Math.Abs(margin)));
            }
            return sum / m + 0.5 * lambda * t.SubVector(0, d).DotProduct(t.SubVector(0, d));
        }
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var z = a * theta;
            var p = z.Map(v => 1 / (1 + Math.Exp(-v)));
            var residual = Vector<double>.Build.Dense(m, i => -y[i] / (1 + Math.Exp(y[i] * z[i])));
            var gradient = a.TransposeThisAndMultiply(residual) / m + penalty * theta;
            var weights = Matrix<double>.Build.DenseDiagonal(m, m, i => p[i] * (1 - p[i]));
            var hessian = a.TransposeThisAndMultiply(weights * a) / m + penalty;
            var step = hessian.Cholesky().Solve(gradient);
            theta -= step;
            if (step.L2Norm() < 1e-15 * (1 + theta.L2Norm())) break;
        }
        return (theta.ToArray(), Value(theta));
    }

    [Test]
    public void Lbfgs_L2LogisticOnBreastCancer_ReachesNewtonOptimumWithin1e9([Values(1, 3)] int ranks)
    {
        var (x, y, m, d) = StandardizedBreastCancer();
        double lambda = 1.0 / m; // scikit-learn's C = 1
        var (_, optimum) = NewtonOptimum(x, y, m, d, lambda);
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, d);
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(LossKind.Logistic, true,
                lambda));
            return SolverLoop.Minimize(new Lbfgs(objective), objective, new TerminationCriteria(500, 1e-12),
                new double[d + 1]);
        });
        Assert.That((results[0].Value - optimum) / optimum, Is.LessThan(1e-9).And.GreaterThan(-1e-12));
        foreach (var r in results) Assert.That(r.Point, Is.EqualTo(results[0].Point), "identical on every rank");
    }

    [Test]
    public void TruncatedNewton_L2LogisticOnBreastCancer_ReachesNewtonOptimumWithin1e12([Values(1, 3)] int ranks)
    {
        var (x, y, m, d) = StandardizedBreastCancer();
        double lambda = 1.0 / m;
        var (theta, optimum) = NewtonOptimum(x, y, m, d, lambda);
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, d);
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(LossKind.Logistic, true,
                lambda));
            var newton = SolverLoop.Minimize(new TruncatedNewton(objective, lambda), objective,
                new TerminationCriteria(100, 1e-9), new double[d + 1]);
            return newton;
        });
        var result = results[0];
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.Converged), result.ExitReason);
        Assert.That((result.Value - optimum) / optimum, Is.LessThan(1e-12).And.GreaterThan(-1e-14));
        for (int k = 0; k <= d; k++) Assert.That(result.Point[k], Is.EqualTo(theta[k]).Within(1e-6), $"θ[{k}]");
        Assert.That(result.Iterations, Is.LessThan(20), "Newton converges in a few iterations");
        foreach (var r in results) Assert.That(r.Point, Is.EqualTo(result.Point), "identical on every rank");
    }

    [Test]
    public void FirstOrderSolvers_L2Logistic_ConvergeTowardsNewtonOptimum([Values("nesterov", "momentum", "adam",
        "gd-line-search")] string solver)
    {
        var (x, y, m, d) = StandardizedBreastCancer();
        double lambda = 1.0 / m;
        var (_, optimum) = NewtonOptimum(x, y, m, d, lambda);
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, d);
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(LossKind.Logistic, true,
            lambda));
        var gram = new LinearObjective(shard, partition, comm, new ObjectiveSettings());
        double step = 1 / (0.25 * StepSizeEstimator.LargestCurvature(gram) + lambda);
        var termination = new TerminationCriteria(4000, 1e-9);
        var start = new double[d + 1];
        var result = solver switch
        {
            "nesterov" => SolverLoop.Minimize(new MomentumDescent(objective, step, 0.9, true), objective, termination,
                start),
            "momentum" => SolverLoop.Minimize(new MomentumDescent(objective, step, 0.9, false), objective, termination,
                start),
            "adam" => SolverLoop.Minimize(new Adam(objective, 0.01), objective, termination, start),
            _ => SolverLoop.Minimize(new GradientDescent(objective, 100 * step, lineSearch: true), objective,
                termination, start),
        };
        double tolerance = solver == "adam" ? 1e-4 : 1e-6;
        Assert.That((result.Value - optimum) / optimum, Is.LessThan(tolerance).And.GreaterThan(-1e-12),
            $"{result.ExitReason}");
    }

    [Test]
    public void Lbfgs_LeastSquares_FarFewerPassesThanGd()
    {
        var (x, y, _, d) = TestData.LoadDiabetes();
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, d);
        FeatureScaling.Compute(shard, y.Length, comm, center: true, Summation.Reproducible).Apply(shard);
        var optimum = Shards.Loss(shard.Features.Doubles(), y, d, Shards.QrSolution(shard.Features.Doubles(), y, d));
        int PassesTo(Func<LinearObjective, OptimizationResult> run)
        {
            var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings());
            var result = run(objective);
            Assert.That((result.Value - optimum) / optimum, Is.LessThan(1e-8), result.ExitReason);
            return (int)objective.Evaluations;
        }
        int lbfgs = PassesTo(o => SolverLoop.Minimize(new Lbfgs(o), o, new TerminationCriteria(10_000, 1e-9),
            new double[d + 1]));
        int gd = PassesTo(o =>
        {
            double step = 1 / StepSizeEstimator.LargestCurvature(new LinearObjective(shard, partition, comm,
                new ObjectiveSettings()));
            return SolverLoop.Minimize(new GradientDescent(o, step), o, new TerminationCriteria(100_000, 1e-9),
                new double[d + 1]);
        });
        Assert.That(lbfgs * 20, Is.LessThan(gd), $"lbfgs {lbfgs} passes, gd {gd}");
    }

    [Test]
    public void NormalEquations_Ridge_MatchesMathNetSolve()
    {
        var (x, y) = TestData.Synthetic(rows: 200, features: 3, seed: 5);
        const double lambda = 0.3;
        var comm = new SingleProcessCommunicator();
        var (shard, partition) = Shards.For(comm, x, y, 3);
        var theta = NormalEquations.Solve(shard, partition, comm, true, Summation.Reproducible, lambda);
        var a = Shards.Design(x, 200, 3);
        var system = a.TransposeThisAndMultiply(a) / 200 + Matrix<double>.Build.DenseDiagonal(4, 4, j => j < 3 ? lambda
            : 0);
        var expected = system.Solve(a.TransposeThisAndMultiply(Vector<double>.Build.Dense(y)) / 200).ToArray();
        for (int k = 0; k < 4; k++) Assert.That(theta[k], Is.EqualTo(expected[k]).Within(1e-12 * (1
            + Math.Abs(expected[k]))));
    }

    [Test]
    public void ClassificationMetrics_ThreeRanks_MatchDirectComputation()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 1000).Select(_ => random.NextDouble() * 6 - 3).ToArray();
        var labels = scores.Select(s => random.NextDouble() < 1 / (1 + Math.Exp(-2 * s)) ? 1.0 : -1.0).ToArray();
        var metrics = ThreadedCommunicator.Run(3, comm =>
        {
            int per = (1000 + 2) / 3, start = comm.Rank * per, end = Math.Min(1000, start + per);
            return ClassificationMetrics.Compute(scores[start..end], labels[start..end], logistic: true, comm);
        });
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < 1000; i++)
            if (labels[i] > 0) { if (scores[i] > 0) tp++; else fn++; } else { if (scores[i] > 0) fp++; else tn++; }
        double exactAuc = 0;
        var pos = Enumerable.Range(0, 1000).Where(i => labels[i] > 0).ToArray();
        var neg = Enumerable.Range(0, 1000).Where(i => labels[i] <= 0).ToArray();
        foreach (var p in pos) foreach (var n in neg) exactAuc += scores[p] > scores[n] ? 1 : scores[p] == scores[n]
            ? 0.5 : 0;
        exactAuc /= (double)pos.Length * neg.Length;
        foreach (var mtr in metrics)
        {
            Assert.That(mtr.Accuracy, Is.EqualTo((tp + tn) / 1000.0).Within(1e-15));
            Assert.That(mtr.Precision, Is.EqualTo(tp / (double)(tp + fp)).Within(1e-15));
            Assert.That(mtr.Recall, Is.EqualTo(tp / (double)(tp + fn)).Within(1e-15));
            Assert.That(mtr.RocAuc, Is.EqualTo(exactAuc).Within(mtr.RocAucErrorBound + 1e-15));
            double logLoss = Enumerable.Range(0, 1000).Average(i => Math.Log(1 + Math.Exp(-labels[i] * scores[i])));
            Assert.That(mtr.LogLoss!.Value, Is.EqualTo(logLoss).Within(1e-12));
        }
    }

    [Test]
    public void LabelCheck_BadLabels_NameRowOrConvention()
    {
        var header = new DataFileHeader(3, 1, ElementType.Float64, 4096, [], 0);
        var bad = DataShard.FromArrays(header, 10, [1, 2, 3], [0, 2, 1]);
        Assert.That(Assert.Throws<InputFileException>(() => LabelCheck.CheckSlice(bad, LossKind.Logistic))!.Message,
            Does.Contain("row 12 has label 2"), "1-based: the slice starts at 0-based row 10");
        var mixed = DataShard.FromArrays(header, 0, [1, 2, 3], [0, -1, 1]);
        var local = LabelCheck.CheckSlice(mixed, LossKind.Logistic);
        Assert.That(Assert.Throws<InputFileException>(() => LabelCheck.Normalize(mixed, local,
            new SingleProcessCommunicator()))!.Message, Does.Contain("mix 0 and -1"));
        var single = DataShard.FromArrays(header, 0, [1, 2, 3], [1, 1, 1]);
        Assert.That(Assert.Throws<InputFileException>(() => LabelCheck.Normalize(single, LabelCheck.CheckSlice(single,
            LossKind.Hinge), new SingleProcessCommunicator()))!.Message,
            Does.Contain("one class"));
    }
}
