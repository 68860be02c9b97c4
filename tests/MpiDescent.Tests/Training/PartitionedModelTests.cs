using MpiDescent.Communication;
using MpiDescent.Losses;

namespace MpiDescent.Tests.Training;

/// <summary>A model partitioned across ranks (issue 14): every solver that supports it reaches bitwise the model of a
/// replicated single-process run, on dense and sparse files, at 1 to 4 ranks, with uneven slices and with ranks that
/// own no parameters; a partitioned run's checkpoint resumes replicated at another rank count, and a replicated one's
/// partitioned, bit for bit.</summary>
public class PartitionedModelTests
{
    private static string _dir = "";

    [OneTimeSetUp]
    public void WriteFiles() => _dir = TestData.TempDirectory();

    /// <summary>A dense and a sparse file of the same rows (logistic labels, or classes 0-2 for softmax), about
    /// <paramref name="density"/> of the entries nonzero.</summary>
    private static string DataFile(int features, bool sparse, LossKind loss = LossKind.Logistic, double density = 0.3)
    {
        var path = Path.Combine(_dir, $"rows{features}{(sparse ? "s" : "d")}{loss}{density}.bin");
        if (File.Exists(path)) return path;
        var (x, y) = Shards.SparseSynthetic(90, features, density, seed: features, loss);
        if (!sparse) return TestData.WriteDataFile(_dir, x, y, features, Path.GetFileName(path));
        return TestData.WriteSparseDataFile(_dir, x, y, features, Path.GetFileName(path));
    }

    private static TrainingSettings Settings(SolverKind kind, bool l1, bool lineSearch = false) => new()
    {
        Loss = LossKind.Logistic,
        Solver = SolverCatalog.Get(kind),
        L2 = 0.01,
        L1 = l1 ? 0.002 : 0,
        LineSearch = lineSearch,
        MaxIterations = 7,
        Tolerance = 0,
        Seed = 3,
    };

    /// <summary>The model's θ and loss of a run (collective).</summary>
    private static double[] Train(ICommunicator comm, string path, TrainingSettings settings,
        SolverHooks? hooks = null)
    {
        using var file = MpiDescent.Data.DataFile.Open(path);
        var problem = TrainingProblem.Build(file, settings, comm, TrainingLog.Silent(comm, TextWriter.Null));
        var space = problem.Objective.Space;
        Assert.That(space.IsPartitioned, Is.EqualTo(settings.PartitionModel));
        if (settings.PartitionModel)
            Assert.That(space.Length, Is.EqualTo(space.Slices.Counts[comm.Rank]).And.LessThan(space.Dimension + 1));
        var result = problem.Solve(hooks ?? SolverHooks.None);
        Assert.That(result.History, Has.Count.EqualTo(settings.MaxIterations + 1), result.ExitReason);
        return result.Point.Append(result.Value).ToArray();
    }

    public static IEnumerable<TestCaseData> Solvers()
    {
        yield return new TestCaseData(SolverKind.GradientDescent, false, false).SetName("gd");
        yield return new TestCaseData(SolverKind.GradientDescent, true, true).SetName("gd, l1, line search");
        yield return new TestCaseData(SolverKind.Lbfgs, false, false).SetName("lbfgs");
        yield return new TestCaseData(SolverKind.Lbfgs, true, false).SetName("owl-qn");
        yield return new TestCaseData(SolverKind.Momentum, false, false).SetName("momentum");
        yield return new TestCaseData(SolverKind.Nesterov, false, false).SetName("nesterov");
        yield return new TestCaseData(SolverKind.Adam, false, false).SetName("adam");
    }

    [TestCaseSource(nameof(Solvers))]
    public void Solve_PartitionedAt1To4Ranks_BitwiseTheReplicatedModel(SolverKind kind, bool l1, bool lineSearch)
    {
        // 37 features and an intercept: slices of 12, 12, 8 and 6 parameters at 4 ranks; 3 features: rank 0 owns all
        // 4 parameters and the others none.
        Assert.That(ParameterSpaceSlices(38, 4), Is.EqualTo(new[] { 12, 12, 8, 6 }));
        Assert.That(ParameterSpaceSlices(4, 3), Is.EqualTo(new[] { 4, 0, 0 }));
        foreach (int features in new[] { 37, 3 })
            foreach (bool sparse in new[] { false, true })
            {
                string path = DataFile(features, sparse);
                var settings = Settings(kind, l1, lineSearch);
                var replicated = Train(new SingleProcessCommunicator(), path, settings);
                for (int ranks = 1; ranks <= 4; ranks++)
                {
                    var runs = ThreadedCommunicator.Run(ranks, comm => Train(comm, path, settings with
                    {
                        PartitionModel = true,
                    }));
                    foreach (var run in runs)
                        Assert.That(run, Is.EqualTo(replicated),
                            $"{features} features, sparse {sparse}, {ranks} ranks");
                }
            }
    }

    private static int[] ParameterSpaceSlices(int dimension, int ranks) =>
        ThreadedCommunicator.Run(ranks, comm => MpiDescent.Model.ParameterSpace.Partitioned(dimension, comm).Length);

    [Test]
    public void Solve_PartitionedSoftmaxAndVerySparseRows_BitwiseTheReplicatedModel([Values] bool sparse)
    {
        // Softmax: three weight vectors, each rank's touched features in every one; at density 0.02 most ranks touch
        // a few of the 60 features and some features no rank touches.
        var cases = new (LossKind Loss, double Density)[] { (LossKind.Softmax, 0.3), (LossKind.Logistic, 0.02) };
        foreach (var (loss, density) in cases)
        {
            string path = DataFile(60, sparse, loss, density);
            var settings = Settings(SolverKind.Lbfgs, l1: loss == LossKind.Logistic) with { Loss = loss };
            var replicated = Train(new SingleProcessCommunicator(), path, settings);
            for (int ranks = 2; ranks <= 4; ranks++)
                foreach (var run in ThreadedCommunicator.Run(ranks, comm => Train(comm, path, settings with
                {
                    PartitionModel = true,
                })))
                    Assert.That(run, Is.EqualTo(replicated), $"{loss}, density {density}, {ranks} ranks");
        }
    }

    [Test]
    public void Solve_PartitionedCheckpointResumedReplicatedAndBack_ContinuesBitForBit(
        [Values(SolverKind.Lbfgs, SolverKind.Adam)] SolverKind kind)
    {
        string path = DataFile(37, sparse: true);
        var settings = Settings(kind, l1: false);
        var whole = Train(new SingleProcessCommunicator(), path, settings);
        foreach (bool partitionedFirst in new[] { true, false })
        {
            var states = new SolverState[3];
            var first = settings with { MaxIterations = 4, PartitionModel = partitionedFirst };
            ThreadedCommunicator.Run(3, comm => Train(comm, path, first, new SolverHooks(
                Checkpoint: state => states[comm.Rank] = state with
                {
                    Point = state.Point.ToArray(), // the method's own arrays, valid during the call
                    Auxiliary = state.Auxiliary?.Select(a => a.ToArray()).ToArray(),
                }, CheckpointEvery: 3)));
            // A partitioned run's checkpoint hook gets each rank's slices; put them together as a writer would.
            Assert.That(states.All(st => st.Slices is null != partitionedFirst));
            double[] Whole(Func<SolverState, double[]> part) =>
                partitionedFirst ? states.SelectMany(part).ToArray() : part(states[0]);
            var saved = states[0] with
            {
                Point = Whole(st => st.Point),
                Auxiliary = Enumerable.Range(0, states[0].Auxiliary!.Length)
                    .Select(k => Whole(st => st.Auxiliary![k])).ToArray(),
                Slices = null,
            };
            Assert.That(saved.Iteration, Is.EqualTo(3));
            Assert.That(saved.Point, Has.Length.EqualTo(38), "the checkpoint holds all of θ");
            Assert.That(saved.Auxiliary!.All(v => v.Length == 38), "and all of the solver's vectors");
            var second = settings with { PartitionModel = !partitionedFirst };
            var resumed = ThreadedCommunicator.Run(2, comm => Train(comm, path, second,
                new SolverHooks(ResumeFrom: saved)));
            foreach (var run in resumed) Assert.That(run, Is.EqualTo(whole), $"partitioned first: {partitionedFirst}");
        }
    }

    [Test]
    public void Validate_PartitionedNewton_RefusedNamingTheSolversThatSupportIt()
    {
        var settings = Settings(SolverKind.Newton, l1: false) with { PartitionModel = true };
        var error = Assert.Throws<UsageException>(settings.Validate)!;
        Assert.That(error.Message, Does.Contain("--partition-model applies to --solver gd, lbfgs, momentum, " +
            "nesterov, adam, not newton"));
    }
}
