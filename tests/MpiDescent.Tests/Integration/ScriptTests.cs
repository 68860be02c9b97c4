namespace MpiDescent.Tests.Integration;

/// <summary>The scripts users run on their own nodes, with the tests' build (MPIDESCENT).</summary>
[NonParallelizable]
public class ScriptTests
{
    [Test]
    public void CheckRankInvariance_OneAndTwoRanks_AllSevenCasesIdentical()
    {
        var (exitCode, output) = RunScript("check-rank-invariance.sh", ["1", "2"], "");
        Assert.That(exitCode, Is.EqualTo(0), output);
        Assert.That(output.Split('\n').Count(l => l.StartsWith("identical at 1 2 ranks:")), Is.EqualTo(7), output);
    }

    /// <summary>Plain summation differs between rank counts, and the check says so: it can fail.</summary>
    [Test]
    public void CheckRankInvariance_PlainSummation_NamesDifferingCasesAndExitsOne()
    {
        var (exitCode, output) = RunScript("check-rank-invariance.sh", ["1", "3"], "--summation plain");
        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("DIFFERENT across 1 3 ranks: gd --max-iterations 30 --summation plain"));
    }

    private static (int ExitCode, string Output) RunScript(string script, string[] args, string options)
    {
        var repo = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "MpiDescent.sln"))) repo = repo.Parent;
        Assert.That(repo, Is.Not.Null, "the repository root (MpiDescent.sln) above the test directory");
        var outcome = MpiJob.RunCommand(new[] { "bash", Path.Combine(repo!.FullName, "scripts", script) }.Concat(args),
            new Dictionary<string, string>
            {
                ["MPIDESCENT"] = MpiJob.Executable,
                ["OPTIONS"] = options
            }, timeoutSeconds: 300);
        return (outcome.ExitCode, outcome.Output + outcome.Errors);
    }
}
