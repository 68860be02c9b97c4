using System.Globalization;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// Test hooks for failure handling, unset in normal use. <c>MPIDESCENT_FAULT=RANK:ITERATION</c> makes that rank throw
/// an unexpected exception when it reports that iteration, as a bug or a node fault would (tests prove the whole job
/// then ends promptly through MPI_Abort); <c>RANK:ITERATION:null</c> dereferences a null reference instead (a
/// NullReferenceException, which the runtime raises from a SIGSEGV: tests prove MPI's transport does not turn it into a
/// native crash), and <c>RANK:ITERATION:stall</c> makes that rank stop answering (tests of the stall watchdog).
/// <c>MPIDESCENT_SIGNAL=RANK:load</c> sends the signal before the rank loads its slice.
/// <c>MPIDESCENT_SIGNAL=RANK:ITERATION</c> makes that rank send itself SIGTERM at that iteration, a real signal at a
/// known point (tests prove the interrupted and resumed run is bitwise the uninterrupted one).
/// <c>MPIDESCENT_CONVERSION_DELAY=SECONDS</c> makes rank 0 take that much longer over a text input's conversion (tests
/// of the stall watchdog's allowance for it). </summary>
public static class FaultInjection
{
    /// <summary>The exception hook's variable.</summary>
    public const string Variable = "MPIDESCENT_FAULT";

    /// <summary>The signal hook's variable.</summary>
    public const string SignalVariable = "MPIDESCENT_SIGNAL";

    /// <summary>Wraps <paramref name="progress"/> with the configured hooks for <paramref name="rank"/>.</summary>
    public static Action<IterationRecord> Wrap(Action<IterationRecord> progress, int rank, Action raiseSignal)
    {
        if (Target(Variable, rank, out string kind) is int faultAt)
        {
            var inner = progress;
            progress = record =>
            {
                if (record.Iteration == faultAt) Fault(kind);
                inner(record);
            };
        }
        if (Target(SignalVariable, rank, out _) is int signalAt)
        {
            var inner = progress;
            progress = record =>
            {
                if (record.Iteration == signalAt) raiseSignal();
                inner(record);
            };
        }
        return progress;
    }

    /// <summary>The seconds rank 0 is to add to a text input's conversion (<c>MPIDESCENT_CONVERSION_DELAY</c>), or
    /// 0.</summary>
    public static double ConversionDelay() =>
        double.TryParse(Environment.GetEnvironmentVariable("MPIDESCENT_CONVERSION_DELAY"), NumberStyles.Float,
            CultureInfo.InvariantCulture, out double seconds) && seconds > 0 ? seconds : 0;

    /// <summary>Whether <paramref name="rank"/> is to send itself SIGTERM before it loads its slice
    /// (<c>MPIDESCENT_SIGNAL=RANK:load</c>).</summary>
    public static bool SignalBeforeLoad(int rank) =>
        Environment.GetEnvironmentVariable(SignalVariable) is string text && text == $"{rank}:load";

    private static void Fault(string kind)
    {
        switch (kind)
        {
            case "null":
                object? nothing = Environment.GetEnvironmentVariable("MPIDESCENT_NO_SUCH_VARIABLE_EVER");
                _ = nothing!.GetHashCode(); // a NullReferenceException, raised by the runtime from a SIGSEGV
                break;
            case "stall":
                Thread.Sleep(Timeout.Infinite);
                break;
            default: throw new InvalidOperationException($"injected fault ({Variable})");
        }
    }

    private static int? Target(string variable, int rank, out string kind)
    {
        kind = "throw";
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(text) || text.EndsWith(":load", StringComparison.Ordinal)) return null;
        var parts = text.Split(':');
        if (parts.Length is not (2 or 3) || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int targetRank)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int iteration)
            || (parts.Length == 3 && parts[2] is not ("throw" or "null" or "stall")))
            throw new UsageException($"{variable} must be RANK:ITERATION or RANK:ITERATION:throw|null|stall, got " +
                $"'{text}'");
        if (parts.Length == 3) kind = parts[2];
        return targetRank == rank ? iteration : null;
    }
}
