using System.Diagnostics;

namespace MpiDescent.Tests.Integration;

/// <summary>Runs the built MpiDescent executable, under <c>timeout … mpiexec.mpich -n K</c> or as a plain
/// process.</summary>
public static class MpiJob
{
    public sealed record Outcome(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Errors}";
    }

    public static string Executable => Path.Combine(TestContext.CurrentContext.TestDirectory, "MpiDescent");

    /// <summary>Runs at <paramref name="ranks"/> ranks with mpiexec.mpich (0: no launcher at all).</summary>
    public static Outcome Run(int ranks, IEnumerable<string> args, IDictionary<string, string>? environment = null,
        int timeoutSeconds = 120)
    {
        var command = new List<string>();
        if (ranks > 0)
        {
            if (!File.Exists("/usr/bin/mpiexec.mpich") && !SearchPath("mpiexec.mpich"))
                Assert.Fail("mpiexec.mpich not found: install MPICH ('apt-get install mpich'; scripts/test.sh does " +
                    "this)");
            command.AddRange(["mpiexec.mpich", "-n", ranks.ToString()]);
        }
        command.Add(Executable);
        command.AddRange(args);
        return RunCommand(command, environment, timeoutSeconds);
    }

    /// <summary>Runs <paramref name="command"/> under <c>timeout</c>, capturing its output; fails the test on a
    /// timeout.</summary>
    public static Outcome RunCommand(IEnumerable<string> command, IDictionary<string, string>? environment = null,
        int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-k", "5", timeoutSeconds.ToString() }.Concat(command)) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var outcome = new Outcome(process.ExitCode, output.Result, errors.Result);
        Assert.That(outcome.ExitCode, Is.Not.EqualTo(124).And.Not.EqualTo(137), $"timed out (a hang):\n{outcome}");
        return outcome;
    }

    public static Outcome Run(int ranks, params string[] args) => Run(ranks, (IEnumerable<string>)args);

    private static bool SearchPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
