using MpiDescent.IO;

namespace MpiDescent.Communication;

/// <summary>
/// Turns a step that may fail on some ranks into an agreed outcome: after the step, one reduction tells every rank
/// which ranks failed; the failed ranks report (only rank 0 when all failed alike, e.g. a bad header) and every rank
/// throws <see cref="AgreedFailureException"/>, which ends the job cleanly with a non-zero exit on all ranks.
/// The rule that keeps this safe: a step that can fail on some ranks only must contain no collective after the point
/// where it can fail (the failed rank would go to the agreement's reduction while the others wait in the step's own);
/// a step with collectives inside may only fail on values every rank shares. Split such steps into two agreements.
/// </summary>
public static class Collective
{
    /// <summary>Runs <paramref name="step"/> on every rank and agrees on its success.</summary>
    public static void Agree(ICommunicator communicator, TextWriter errors, Action step)
    {
        Exception? failure = null;
        try { step(); }
        catch (MpiDescentException e) { failure = e; }
        catch (IOException e) { failure = e; }
        catch (OutOfMemoryException e)
        {
            failure = new MpiDescentException($"out of memory on rank {communicator.Rank}: use more ranks or nodes",
                ExitCodes.InternalError, e);
        }
        var failed = communicator.RanksWhere(failure is not null);
        if (failed.Length == 0) return;
        int code = failure is MpiDescentException m ? m.ExitCode : ExitCodes.InternalError;
        if (failure is not null && (failed.Length < communicator.Size || communicator.Rank == 0))
        {
            string who = failed.Length < communicator.Size ? $"rank {communicator.Rank}: " : "";
            errors.WriteLine($"MpiDescent: {who}error: {PrintableText.Escape(failure.Message, true)}");
            errors.Flush();
        }
        var codes = communicator.AllGather<int>([code]);
        throw new AgreedFailureException((int)codes[failed[0]], failed);
    }

    /// <summary>Runs <paramref name="step"/> and agrees; returns its value on success.</summary>
    public static T Agree<T>(ICommunicator communicator, TextWriter errors, Func<T> step)
    {
        T result = default!;
        Agree(communicator, errors, () => { result = step(); });
        return result;
    }
}

/// <summary>A failure all ranks know of and that has been reported; every rank exits with <see
/// cref="ExitCode"/>.</summary>
public sealed class AgreedFailureException(int exitCode, int[] failedRanks)
    : Exception($"ranks {string.Join(",", failedRanks)} failed")
{
    /// <summary>The exit code of the lowest failed rank.</summary>
    public int ExitCode { get; } = exitCode;
}
