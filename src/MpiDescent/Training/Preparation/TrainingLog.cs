using MpiDescent.Communication;
using MpiDescent.IO;

namespace MpiDescent.Training.Preparation;

/// <summary>Where a run's set-up reports: informational lines and warnings, printed by rank 0 only (informational ones
/// not when quiet), and the error writer that collective agreements print failures to.</summary>
public sealed class TrainingLog(ICommunicator comm, TextWriter output, TextWriter errors, bool quiet = false)
{
    /// <summary>A log that prints nothing but agreed errors.</summary>
    public static TrainingLog Silent(ICommunicator comm, TextWriter errors) => new(comm, TextWriter.Null, errors, true);

    /// <summary>Where agreed failures are printed.</summary>
    public TextWriter Errors => errors;

    /// <summary>Prints <paramref name="line"/> on rank 0 unless quiet.</summary>
    public void Info(string line)
    {
        if (comm.Rank == 0 && !quiet) output.WriteLine(line);
    }

    /// <summary>Prints a warning on rank 0 unless quiet.</summary>
    public void Warning(string line)
    {
        if (comm.Rank == 0 && !quiet) errors.WriteLine($"MpiDescent: warning: {PrintableText.Escape(line, true)}");
    }
}
