using MpiDescent.Communication;

namespace MpiDescent.Cli;

/// <summary><c>selftest</c>: checks every collective on this launcher and MPI library, and times Allreduce.</summary>
public static class SelfTestCommand
{
    /// <summary>Runs the checks on every rank; returns 0 when all passed, else 1 (each failing rank says
    /// what).</summary>
    public static int Run(string[] args, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        bool timing = !args.Contains("--no-timing");
        var (failures, checks) = CollectiveSelfTest.Run(comm);
        foreach (var failure in failures) errors.WriteLine($"MpiDescent: selftest: {failure}");
        var failed = comm.RanksWhere(failures.Count > 0);
        string times = timing ? CollectiveSelfTest.Timing(comm) : "";
        if (comm.Rank != 0) return failed.Length == 0 ? ExitCodes.Success : ExitCodes.InternalError;
        if (failed.Length > 0)
        {
            output.WriteLine($"collectives: FAILED on ranks {string.Join(",", failed)} of {comm.Size}");
            return ExitCodes.InternalError;
        }
        output.WriteLine($"collectives: all {checks} checks passed on {comm.Size} rank{(comm.Size == 1 ? "" : "s")} "
            + $"({comm.GetType().Name})");
        if (timing) output.WriteLine(times);
        return ExitCodes.Success;
    }
}
