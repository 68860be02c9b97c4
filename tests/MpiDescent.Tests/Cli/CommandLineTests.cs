using MpiDescent.Cli;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Tests.Cli;

public class CommandLineTests
{
    [Test]
    public void Parse_Defaults_AreDocumentedValues()
    {
        var o = TrainOptions.Parse(["data.bin"]);
        Assert.That(o.Solver.Name, Is.EqualTo("gd"));
        Assert.That(o.Settings.LearningRate, Is.Null);
        Assert.That(o.Settings.Summation, Is.EqualTo(Summation.Reproducible));
        Assert.That(o.Settings.FitIntercept, Is.True);
        Assert.That(o.ModelPath, Is.EqualTo("data.model.json"));
    }

    [Test]
    public void Parse_AllOptions_AreRead()
    {
        var o = TrainOptions.Parse(["d.bin", "--solver=sgd", "--learning-rate", "0.5", "--epochs", "3", "--batch-size",
            "8", "--seed", "4",
            "--no-intercept", "--standardize", "--summation", "plain", "--model", "m.json", "--report", "r.json"]);
        var s = o.Settings;
        Assert.That((o.Solver.Name, s.LearningRate, s.Epochs, s.BatchSize, s.Seed), Is.EqualTo(("sgd", (double?)0.5, 3,
            8, (ulong?)4)));
        Assert.That((s.FitIntercept, s.Standardize, s.Summation, o.ModelPath, o.ReportPath), Is.EqualTo((false, true,
            Summation.Plain, "m.json", "r.json")));
    }

    [TestCase(new[] { "d.bin", "--learning-rate", "-1" }, "must be positive")]
    [TestCase(new[] { "d.bin", "--learning-rate", "0" }, "must be positive")]
    [TestCase(new[] { "d.bin", "--learning-rate", "fast" }, "must be a number")]
    [TestCase(new[] { "d.bin", "--solver", "bfgs" }, "must be one of gd, sgd, exact")]
    [TestCase(new[] { "d.bin", "--solver", "newton", "--loss", "hinge" }, "hinge loss has none")]
    [TestCase(new[] { "d.bin", "--solver", "newton", "--learning-rate", "0.1" }, "does not apply to newton")]
    [TestCase(new[] { "d.bin", "--solver", "sgd", "--batch-size", "0" }, "between 1 and")]
    [TestCase(new[] { "d.bin", "--batch-size", "8" }, "applies only to --solver sgd")]
    [TestCase(new[] { "d.bin", "--solver", "exact", "--learning-rate", "0.1" }, "does not apply to --solver exact")]
    [TestCase(new[] { "d.bin", "--frobnicate" }, "unknown option --frobnicate")]
    [TestCase(new[] { "d.bin", "--model" }, "--model needs a value")]
    [TestCase(new string[0], "missing DATA")]
    [TestCase(new[] { "a.bin", "b.bin" }, "unexpected argument 'b.bin'")]
    [TestCase(new[] { "d.bin", "--l2-path", "1..0" }, "two positive numbers")]
    [TestCase(new[] { "d.bin", "--l2-path", "1" }, "a range STRONG..WEAK")]
    [TestCase(new[] { "d.bin", "--l2-path", "1..0.1", "--l2", "0.5" }, "drop --l2")]
    [TestCase(new[] { "d.bin", "--l2-path", "1..0.1", "--l1-path", "1..0.1" }, "give one of --l2-path")]
    [TestCase(new[] { "d.bin", "--regularization-path", "1..0.1" }, "give --elastic-net A")]
    [TestCase(new[] { "d.bin", "--l1-path", "1..0.1", "--solver", "momentum" }, "needs --solver gd, sgd, lbfgs")]
    [TestCase(new[] { "d.bin", "--cv", "1" }, "between 2 and")]
    [TestCase(new[] { "d.bin", "--cv", "5", "--l2-path", "1..0.1", "--path-length", "300" }, "at most 1024")]
    [TestCase(new[] { "d.bin", "--cv", "3", "--validation-fraction", "0.2" }, "each fold is held out in turn")]
    [TestCase(new[] { "d.bin", "--cv", "3", "--partition-model" }, "each rank holds every model")]
    [TestCase(new[] { "d.bin", "--l2-path", "1..0.1", "--report", "r.json" }, "its table goes to --cv-output")]
    [TestCase(new[] { "d.bin", "--path-length", "5" }, "applies to --l2-path")]
    [TestCase(new[] { "d.bin", "--cv-select", "1se" }, "applies to --cv")]
    [TestCase(new[] { "d.bin", "--cv", "3", "--warm-start" }, "--warm-start applies to a regularization path")]
    [TestCase(new[] { "d.bin", "--l2-path", "1..0.1", "--warm-start", "--solver", "newton" },
        "--warm-start applies to --solver gd, lbfgs")]
    [TestCase(new[] { "d.bin", "--cv-output", "t.csv" }, "applies to --cv or a regularization path")]
    [TestCase(new[] { "d.bin", "--cv", "3", "--solver", "sgd", "--dp-noise", "1", "--dp-clip", "1", "--dp-delta",
        "1e-5", "--learning-rate", "0.1" }, "not accounted for")]
    public void Parse_BadArguments_ThrowsUsageError(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => TrainOptions.Parse(args))!;
        Assert.That(e.Message, Does.Contain(expected));
        Assert.That(e.ExitCode, Is.EqualTo(ExitCodes.Usage));
    }

    [Test]
    public void Parse_PathAndCrossValidation_SettingsAndOutputs()
    {
        var options = TrainOptions.Parse(["d.bin", "--regularization-path", "0.01..1", "--elastic-net", "0.25",
            "--path-length", "3", "--cv", "4", "--cv-select", "1se", "--cv-output", "t.csv", "--solver", "lbfgs"]);
        var path = options.Settings.Path!;
        Assert.That((path.Kind, path.Strongest, path.Weakest, path.Length, path.Alpha),
            Is.EqualTo((PenaltyKind.ElasticNet, 1.0, 0.01, 3, 0.25)));
        Assert.That((options.Settings.Folds, options.Settings.OneStandardError, options.CvOutputPath),
            Is.EqualTo((4, true, "t.csv")));
        Assert.That(options.Settings.ModelsTrainedTogether, Is.EqualTo(12));
        var alone = TrainOptions.Parse(["d.bin", "--l2-path", "1..0.1", "--path-length", "2", "--model", "m.json"]);
        var paths = alone.OutputPaths.Select(p => p.Path).ToArray();
        Assert.That(paths, Does.Contain("m.path-01.json").And.Contain("m.path-02.json"));
        Assert.That(paths.Count(p => p.EndsWith("m.path-02.weights.bin")), Is.EqualTo(1));
    }

    [Test]
    public void LaunchEnvironment_NoLauncherVariables_IsSingleProcess()
    {
        var launch = LaunchEnvironment.FromVariables(_ => null);
        Assert.That(launch.UnderLauncher, Is.False);
    }

    [Test]
    public void LaunchEnvironment_PmiSizeDisagreesWithWorld_ExplainsWrongMpiexec()
    {
        var vars = new Dictionary<string, string> { ["PMI_RANK"] = "0", ["PMI_SIZE"] = "4" };
        var launch = LaunchEnvironment.FromVariables(vars.GetValueOrDefault);
        Assert.That(launch.CheckWorldSize(4), Is.Null);
        Assert.That(launch.CheckWorldSize(1), Does.Contain("started 4 processes").And.Contain("mpiexec.mpich"));
    }

    [Test]
    public void LaunchEnvironment_OpenMpiVariables_AreDetected()
    {
        var vars = new Dictionary<string, string> { ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "1" };
        Assert.That(LaunchEnvironment.FromVariables(vars.GetValueOrDefault).OpenMpiLauncher, Is.True);
    }

    [Test]
    public void LaunchEnvironment_SrunWithoutPmi_IsCaught()
    {
        var vars = new Dictionary<string, string> { ["SLURM_STEP_ID"] = "0", ["SLURM_STEP_NUM_TASKS"] = "8" };
        var launch = LaunchEnvironment.FromVariables(vars.GetValueOrDefault);
        Assert.That(launch.UnderLauncher, Is.True);
        Assert.That(launch.CheckWorldSize(1), Does.Contain("srun started 8 tasks"));
    }

    [Test]
    public void ThreadedCommunicator_OneRankThrows_OthersDoNotHang()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<AggregateException>(() => ThreadedCommunicator.Run(3, comm =>
        {
            if (comm.Rank == 1) throw new InvalidOperationException("boom");
            comm.Barrier();
            return 0;
        }, TimeSpan.FromSeconds(20)))!;
        Assert.That(e.InnerException, Is.TypeOf<InvalidOperationException>());
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
