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

    /// <summary>A job running in the background: its process (mpiexec.mpich under timeout) and its output so
    /// far.</summary>
    public sealed class Running(Process process, Task<string> output, Task<string> errors)
    {
        public Process Process { get; } = process;

        /// <summary>Waits for the end (at most <paramref name="seconds"/>) and returns the outcome.</summary>
        public Outcome Wait(int seconds)
        {
            if (!Process.WaitForExit(seconds * 1000))
            {
                Process.Kill(entireProcessTree: true);
                Assert.Fail($"the job did not end within {seconds} s");
            }
            Process.WaitForExit();
            return new Outcome(Process.ExitCode, output.Result, errors.Result);
        }

        /// <summary>The process ids of the job's ranks (processes running the executable with <paramref name="marker"/>
        /// on their command line).</summary>
        public static int[] RankProcesses(string marker) => Processes(Executable + "\0", marker);

        /// <summary>The process id of mpiexec.mpich running a job with <paramref name="marker"/> on its command
        /// line.</summary>
        public static int Launcher(string marker) => Processes("mpiexec.mpich\0", marker).Single();

        private static int[] Processes(string start, string marker) =>
            Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit))
                .Select(n => (Pid: int.Parse(n!), Line: CommandLineOf(n!)))
                .Where(p => p.Line.StartsWith(start, StringComparison.Ordinal) && p.Line.Contains(marker))
                .Select(p => p.Pid).ToArray();

        private static string CommandLineOf(string pid)
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline"); }
            catch (IOException) { return ""; }
            catch (UnauthorizedAccessException) { return ""; }
        }
    }

    /// <summary>Starts a job at <paramref name="ranks"/> ranks in the background.</summary>
    public static Running Start(int ranks, IEnumerable<string> args, IDictionary<string, string>? environment = null,
        int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-k", "5", timeoutSeconds.ToString(), "mpiexec.mpich", "-n", ranks.ToString(),
                     Executable }.Concat(args)) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        var process = Process.Start(start)!;
        return new Running(process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    /// <summary>Sends <paramref name="signal"/> (a name such as TERM or STOP) to process <paramref
    /// name="pid"/>.</summary>
    public static void Signal(int pid, string signal) =>
        Assert.That(RunCommand(["kill", "-" + signal, pid.ToString()]).ExitCode, Is.EqualTo(0),
            $"kill -{signal} {pid}");

    private static bool SearchPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
