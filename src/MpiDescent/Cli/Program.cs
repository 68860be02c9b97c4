using MpiDescent.Communication;
using MpiDescent.IO;
using MpiDescent.Output;

namespace MpiDescent.Cli;

/// <summary>Entry point: starts MPI (or a single rank), runs the command, and guarantees that no failure hangs the
/// job.</summary>
public static class Program
{
    /// <summary>Runs MpiDescent; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Main(string[] args)
    {
        LaunchTimeline.Mark("main");
        MpiRuntime runtime;
        try { runtime = MpiRuntime.Start(ref args); }
        catch (MpiDescentException e)
        {
            Console.Error.WriteLine($"MpiDescent: error: {PrintableText.Escape(e.Message, true)}");
            return e.ExitCode;
        }
        var communicator = runtime.Communicator;
        LaunchTimeline.Mark("mpi-started");
        int code;
        try
        {
            code = Commands.Run(args, communicator, Console.Out, Console.Error);
        }
        catch (AgreedFailureException e)
        {
            code = e.ExitCode;
        }
        catch (Exception e)
        {
            // Not agreed: other ranks may be waiting in a collective. Report and abort the whole job.
            code = e is MpiDescentException known ? known.ExitCode : ExitCodes.InternalError;
            Console.Out.Flush();
            Console.Error.WriteLine($"MpiDescent: rank {communicator.Rank} of {communicator.Size}: "
                + (e is MpiDescentException ? $"error: {PrintableText.Escape(e.Message, true)}"
                    : $"internal error: {PrintableText.Escape(e.ToString(), true)}"));
            Console.Error.Flush();
            if (communicator.Size > 1)
            {
                // MPI_Abort makes the launcher kill every process at once, and a line still in transit through its
                // stdio forwarding can be lost: the one that says what went wrong. Give it a moment to arrive.
                Thread.Sleep(200);
                communicator.Abort(code);
            }
        }
        Console.Out.Flush();
        int rank = communicator.Rank;
        runtime.Dispose();
        LaunchTimeline.Mark("finalized");
        if (LaunchTimeline.Line(rank) is { } timeline) Console.Error.WriteLine(timeline);
        return code;
    }
}
