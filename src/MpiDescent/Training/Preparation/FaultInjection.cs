using System.Globalization;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// Test hooks for failure handling, unset in normal use. <c>MPIDESCENT_FAULT=RANK:ITERATION</c> makes that rank throw
/// an unexpected exception when it reports that iteration, as a bug or a node fault would (tests prove the whole job
/// then ends promptly through MPI_Abort). <c>MPIDESCENT_SIGNAL=RANK:ITERATION</c> makes that rank send itself SIGTERM
/// at that iteration, a real signal at a known point (tests prove the interrupted and resumed run is bitwise the
/// uninterrupted one). </summary>
public static class FaultInjection
{
    /// <summary>The exception hook's variable.</summary>
    public const string Variable = "MPIDESCENT_FAULT";

    /// <summary>The signal hook's variable.</summary>
    public const string SignalVariable = "MPIDESCENT_SIGNAL";

    /// <summary>Wraps <paramref name="progress"/> with the configured hooks for <paramref name="rank"/>.</summary>
    public static Action<IterationRecord> Wrap(Action<IterationRecord> progress, int rank, Action raiseSignal)
    {
        if (Target(Variable, rank) is int faultAt)
        {
            var inner = progress;
            progress = record =>
            {
                if (record.Iteration == faultAt) throw new InvalidOperationException($"injected fault ({Variable})");
                inner(record);
            };
        }
        if (Target(SignalVariable, rank) is int signalAt)
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

    private static int? Target(string variable, int rank)
    {
        var text = System.Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(text)) return null;
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int targetRank)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int iteration))
            throw new UsageException($"{variable} must be RANK:ITERATION, got '{text}'");
        return targetRank == rank ? iteration : null;
    }
}
