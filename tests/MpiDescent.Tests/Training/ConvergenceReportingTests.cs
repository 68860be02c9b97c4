using MpiDescent.Communication;
using MpiDescent.Losses;

namespace MpiDescent.Tests.Training;

/// <summary>Runs that end short of their tolerance say so (issue 15): a collapsed step is detected as no progress, the
/// exit reasons say what happened, and the advice names the change that addresses it.</summary>
public class ConvergenceReportingTests
{
    private const int Features = 4;

    private static LinearObjective Objective(ICommunicator comm, LossKind loss = LossKind.Squared)
    {
        var (x, y) = Shards.SparseSynthetic(300, Features, 0.6, seed: 31, loss);
        var (shard, partition) = Shards.For(comm, x, y, Features);
        return new LinearObjective(shard, partition, comm, new ObjectiveSettings(loss, true, 1e-3));
    }

    [Test]
    public void Run_StepTooSmallToChangeTheLoss_EndsAsNoProgressAfterTheStallWindow()
    {
        var objective = Objective(new SingleProcessCommunicator());
        var result = SolverLoop.Minimize(new GradientDescent(objective, 1e-300), objective,
            new TerminationCriteria(10_000, 1e-6), new double[Features + 1]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.NoProgress), result.ExitReason);
        Assert.That(result.Iterations, Is.EqualTo(TerminationCriteria.DefaultStallIterations));
        Assert.That(result.ExitReason, Does.Contain("has not decreased for 100 iterations"));
        Assert.That(result.FellShort, Is.True);
        Assert.That(result.Converged, Is.False);
        Assert.That(result.RelativeGradientNorm, Is.EqualTo(1).Within(1e-12), "it never moved");
    }

    [Test]
    public void Run_ToleranceZero_RunsTheWholeBudgetAndDoesNotFallShort()
    {
        var objective = Objective(new SingleProcessCommunicator());
        var result = SolverLoop.Minimize(new GradientDescent(objective, 1e-300), objective,
            new TerminationCriteria(250, 0), new double[Features + 1]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.MaxIterations), result.ExitReason);
        Assert.That(result.Iterations, Is.EqualTo(250));
        Assert.That(result.FellShort, Is.False, "a fixed budget was asked for");
    }

    [Test]
    public void Run_SlowButSteadyProgress_IsNotAStall()
    {
        var objective = Objective(new SingleProcessCommunicator());
        var result = SolverLoop.Minimize(new GradientDescent(objective, 1e-4), objective,
            new TerminationCriteria(300, 1e-12), new double[Features + 1]);
        Assert.That(result.Exit, Is.EqualTo(ExitCondition.MaxIterations), result.ExitReason);
        Assert.That(result.ExitReason, Does.Contain("limit of 300 iterations"));
        Assert.That(result.RelativeGradientNorm, Is.GreaterThan(1e-12).And.LessThan(1));
    }

    [Test]
    public void Run_LbfgsOnHinge_EndsShortAndAdviceNamesTheNonSmoothLoss()
    {
        var objective = Objective(new SingleProcessCommunicator(), LossKind.Hinge);
        var result = SolverLoop.Minimize(new Lbfgs(objective), objective, new TerminationCriteria(2000, 1e-10),
            new double[Features + 1]);
        Assert.That(result.FellShort, Is.True, $"{result.Exit}: {result.ExitReason}");
        var settings = new TrainingSettings
        {
            Loss = LossKind.Hinge,
            Solver = SolverCatalog.Get(SolverKind.Lbfgs),
            Tolerance = 1e-10,
        };
        string warning = ConvergenceAdvice.Warning(settings, result);
        Assert.That(warning, Does.Contain("not converged").And.Contain("--loss squared-hinge")
            .And.Contain("--solver dcd"));
        Assert.That(warning, Does.Not.Contain("Converged:"));
    }

    [Test]
    public void Advice_AdamAtItsIterationLimit_NamesRateStandardizeAndLimit()
    {
        var result = new OptimizationResult([0.0], 1, 1, 1000, ExitCondition.MaxIterations, "limit", [], 0.5, 1001);
        var settings = new TrainingSettings { Solver = SolverCatalog.Get(SolverKind.Adam) };
        string advice = ConvergenceAdvice.For(settings, result);
        Assert.That(advice, Does.Contain("--learning-rate").And.Contain("--standardize")
            .And.Contain("--max-iterations (now 1000)").And.Contain("lbfgs or newton"));
    }
}
