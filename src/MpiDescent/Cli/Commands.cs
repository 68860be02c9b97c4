using MpiDescent.Communication;
using MpiDescent.IO;
using MpiDescent.Output;

namespace MpiDescent.Cli;

/// <summary>Dispatches the command line to a command. Parsing runs on every rank, inside an agreement, so a bad
/// command line is reported once by rank 0 and ends every rank with the usage exit code before any data is
/// read.</summary>
public static class Commands
{
    /// <summary>Runs the command in <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        bool root = comm.Rank == 0;
        if (args.Length == 0 || args[0] is "--help" or "-h" or "-?" or "help")
        {
            if (root) (args.Length == 0 ? errors : output).Write(HelpText.Main);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Success;
        }
        if (args[0] == "--version")
        {
            if (root) output.WriteLine($"MpiDescent {typeof(Commands).Assembly.GetName().Version}");
            return ExitCodes.Success;
        }
        var spec = CommandDefinitions.Find(args[0]) ?? CommandDefinitions.Train;
        var rest = spec.Name == args[0] ? args[1..] : args;
        if (rest.Contains("--help") || rest.Contains("-h") || rest.Contains("-?"))
        {
            if (root) output.Write(HelpText.For(spec));
            return ExitCodes.Success;
        }
        if (spec == CommandDefinitions.Train && args[0].StartsWith("--", StringComparison.Ordinal))
            Collective.Agree(comm, errors, () =>
                throw new UsageException($"unknown command '{args[0]}'\n{HelpText.Main}"));
        switch (spec.Name)
        {
            case "train":
                var options = Collective.Agree(comm, errors, () => TrainOptions.Parse(rest));
                LaunchTimeline.Mark("parsed");
                return TrainCommand.Run(options, comm, output, errors);
            case "bench":
                return BenchCommand.Run(rest, comm, output, errors);
            case "selftest":
                return SelfTestCommand.Run(rest, comm, output, errors);
            case "plan":
                return PlanCommand.Run(rest, comm, output, errors);
            case "predict":
            case "evaluate":
                AtomicFile.DeleteUnfinishedOnSignals();
                var scoring = Collective.Agree(comm, errors, () => ScoringOptions.Parse(spec, rest));
                return ScoringCommand.Run(scoring, comm, output, errors);
            default:
                // File utilities run on rank 0; the other ranks wait for its outcome.
                AtomicFile.DeleteUnfinishedOnSignals();
                Collective.Agree(comm, errors, () =>
                {
                    if (!root) return;
                    switch (spec.Name)
                    {
                        case "convert": ConvertCommand.Run(rest, output); break;
                        case "generate": GenerateCommand.Run(rest, output); break;
                        case "export": ExportCommand.Run(rest, output); break;
                        default: InspectCommand.Run(rest, output); break;
                    }
                });
                return ExitCodes.Success;
        }
    }
}
