namespace MpiDescent.Cli;

/// <summary>Options of <c>predict</c> and <c>evaluate</c>.</summary>
public sealed record ScoringOptions(string Command, string ModelPath, string DataPath, string? OutputPath, bool Probabilities = false)
{
    /// <summary>Parses the arguments after the command name.</summary>
    public static ScoringOptions Parse(string command, IEnumerable<string> args)
    {
        var valued = command == "predict" ? new HashSet<string> { "output" } : new HashSet<string>();
        var flags = command == "predict" ? new HashSet<string> { "proba" } : new HashSet<string>();
        var line = CommandLine.Parse(command, args, valued, flags);
        line.RequirePositionals("MODEL.json", "DATA.bin");
        if (command == "predict" && !line.Has("output")) throw line.Error("--output PREDICTIONS.csv is required");
        return new ScoringOptions(command, line.Positionals[0], line.Positionals[1], line.Text("output"), line.Has("proba"));
    }
}
