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

    /// <summary>scripts/slurm.sbatch under a real one-node SLURM cluster started here (scripts/slurm-check.sh, as root:
    /// it installs slurm-wlm and munge when missing): preemption by SIGUSR1 and SIGTERM, SIGUSR1 to the batch shell
    /// too, a time limit with --signal, a failing job, and a resubmission after completion (issue 16). The script
    /// builds the Release binary, whose iterations the cases' timings assume.</summary>
    [Test]
    public void SlurmTemplate_UnderARealOneNodeCluster_EveryCaseEndsAsDocumented()
    {
        var (exitCode, output) = RunScript("slurm-check.sh", [], "", binary: null, timeoutSeconds: 900);
        Assert.That(exitCode, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("SLURM check: 6 passed, 0 failed"), output);
    }

    private static (int ExitCode, string Output) RunScript(string script, string[] args, string options,
        string? binary = "", int timeoutSeconds = 300)
    {
        var repo = TestData.RepositoryRoot;
        var environment = new Dictionary<string, string> { ["OPTIONS"] = options };
        if (binary is not null) environment["MPIDESCENT"] = binary.Length == 0 ? MpiJob.Executable : binary;
        var outcome = MpiJob.RunCommand(new[] { "bash", Path.Combine(repo, "scripts", script) }.Concat(args),
            environment, timeoutSeconds);
        return (outcome.ExitCode, outcome.Output + outcome.Errors);
    }
}
