namespace MpiDescent.Cli;

/// <summary>Options of <c>predict</c> and <c>evaluate</c>.</summary>
public sealed record ScoringOptions(string Command, string ModelPath, string DataPath, string? OutputPath,
    bool Probabilities = false)
{
    /// <summary>Parses the arguments after the command name.</summary>
    public static ScoringOptions Parse(CommandSpec spec, IEnumerable<string> args)
    {
        string command = spec.Name;
        var line = CommandLine.Parse(spec, args);
        line.RequirePositionals();
        if (command == "predict" && !line.Has("output")) throw line.Error("--output PREDICTIONS.csv is required");
        return new ScoringOptions(command, line.Positionals[0], line.Positionals[1], line.Text("output"),
            line.Has("proba"));
    }
}
