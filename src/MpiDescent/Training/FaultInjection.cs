using System.Globalization;

namespace MpiDescent.Training;

/// <summary>
/// A test hook for failure handling: <c>MPIDESCENT_FAULT=RANK:ITERATION</c> makes that rank throw an unexpected
/// exception when it reports that iteration, as a bug or a node fault would. Tests use it to prove that such a
/// failure ends the whole job promptly (MPI_Abort) instead of hanging. Unset in normal use.
/// </summary>
public static class FaultInjection
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "MPIDESCENT_FAULT";

    /// <summary>Wraps <paramref name="progress"/> so that it throws at the configured rank and iteration.</summary>
    public static Action<IterationRecord> Wrap(Action<IterationRecord> progress, int rank)
    {
        var text = System.Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text)) return progress;
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int faultRank)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int iteration))
            throw new UsageException($"{Variable} must be RANK:ITERATION, got '{text}'");
        if (faultRank != rank) return progress;
        return record =>
        {
            if (record.Iteration == iteration) throw new InvalidOperationException($"injected fault ({Variable}={text})");
            progress(record);
        };
    }
}
