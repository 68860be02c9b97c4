using System.Text.Json;
using MpiDescent.Communication;
using MpiDescent.Losses;

namespace MpiDescent.Tests.Training;

/// <summary>Dual coordinate descent on the hinge loss (issue 15) against the exact QP optimum that
/// tests/data/peers/make_references.py certifies by its KKT conditions, with and without an intercept; bitwise the
/// same at any rank count, over dense and sparse rows; and a resumed run continues bit for bit.</summary>
public class DualCoordinateDescentTests
{
    private static (double[] X, double[] Y, int Rows, int D) StandardizedCancer() =>
        TestData.LoadStandardizedBreastCancer();

    private static (double[] Theta, double Objective) Optimum(string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "peers", "peer_references.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var c = json.RootElement.GetProperty("cases").EnumerateArray()
            .First(e => e.GetProperty("name").GetString() == name);
        var theta = c.GetProperty("coef").EnumerateArray().Select(e => e.GetDouble())
            .Append(c.GetProperty("intercept").GetDouble()).ToArray();
        return (theta, c.GetProperty("objective").GetDouble());
    }

    private static (DualCoordinateDescent Method, LinearObjective Objective) Solver(ICommunicator comm, double[] x,
        double[] y, int d, bool intercept, LossKind loss = LossKind.Hinge, bool sparse = false)
    {
        var (shard, partition) = sparse ? Shards.SparseFor(comm, x, y, d) : Shards.For(comm, x, y, d);
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(loss, intercept,
            1 / (0.5 * y.Length)));
        return (new DualCoordinateDescent(objective, shard, partition, comm, seed: 7), objective);
    }

    [Test]
    public void Minimize_HingeOnBreastCancer_ReachesTheExactQpOptimumWithin1e8([Values] bool intercept,
        [Values(1, 3)] int ranks)
    {
        var (x, y, _, d) = StandardizedCancer();
        var (theta, optimum) = Optimum(intercept ? "hinge-qp" : "hinge-qp-no-intercept");
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (method, objective) = Solver(comm, x, y, d, intercept);
            return SolverLoop.Minimize(method, objective, new TerminationCriteria(5000, 1e-11),
                new double[objective.Dimension]);
        });
        var result = results[0];
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.Converged), result.ExitReason);
        Assert.That((result.Value - optimum) / optimum, Is.LessThan(1e-8).And.GreaterThan(-1e-12));
        for (int k = 0; k < result.Point.Length; k++)
            Assert.That(result.Point[k], Is.EqualTo(theta[k]).Within(1e-4), $"θ[{k}]");
        foreach (var r in results) Assert.That(r.Point, Is.EqualTo(result.Point), "identical on every rank");
    }

    [Test]
    public void Step_RankCounts1To4DenseAndSparse_BitwiseEqual([Values] bool sparse)
    {
        var (x, y) = Shards.SparseSynthetic(300, 20, 0.3, seed: 41, LossKind.Hinge);
        double[] Run(ICommunicator comm)
        {
            var (method, objective) = Solver(comm, x, y, 20, intercept: true, sparse: sparse);
            var result = SolverLoop.Minimize(method, objective, new TerminationCriteria(8, 0),
                new double[objective.Dimension]);
            return result.Point.Append(result.Value).ToArray();
        }
        var single = Run(new SingleProcessCommunicator());
        for (int ranks = 2; ranks <= 4; ranks++)
            foreach (var point in ThreadedCommunicator.Run(ranks, Run))
                Assert.That(point, Is.EqualTo(single), $"{ranks} ranks");
    }

    [Test]
    public void Minimize_SquaredHinge_ReachesNewtonsOptimum()
    {
        var (x, y, _, d) = StandardizedCancer();
        var comm = new SingleProcessCommunicator();
        var (method, objective) = Solver(comm, x, y, d, true, LossKind.SquaredHinge);
        var dual = SolverLoop.Minimize(method, objective, new TerminationCriteria(5000, 1e-12),
            new double[d + 1]);
        var newton = SolverLoop.Minimize(new TruncatedNewton(objective, 1 / (0.5 * y.Length)), objective,
            new TerminationCriteria(200, 1e-12), new double[d + 1]);
        Assert.That((dual.Value - newton.Value) / newton.Value, Is.LessThan(1e-10).And.GreaterThan(-1e-10),
            $"{dual.ExitReason} / {newton.ExitReason}");
    }

    [Test]
    public void Start_FromSavedState_ContinuesBitForBit()
    {
        var (x, y) = Shards.SparseSynthetic(200, 10, 0.5, seed: 42, LossKind.Hinge);
        var results = ThreadedCommunicator.Run(2, comm =>
        {
            var (straight, _) = Solver(comm, x, y, 10, true);
            straight.Start(new double[11], null);
            for (int epoch = 0; epoch < 6; epoch++) straight.Step(epoch, null!);
            var (first, _) = Solver(comm, x, y, 10, true);
            first.Start(new double[11], null);
            for (int epoch = 0; epoch < 3; epoch++) first.Step(epoch, null!);
            var state = new SolverState(3, 0, first.Point.ToArray(), 1, 1, [], first.SaveState());
            var (resumed, _) = Solver(comm, x, y, 10, true);
            resumed.Start(state.Point, state);
            for (int epoch = 3; epoch < 6; epoch++) resumed.Step(epoch, null!);
            return (Straight: straight.Point, Resumed: resumed.Point);
        });
        foreach (var (straight, resumed) in results) Assert.That(resumed, Is.EqualTo(straight));
    }
}
