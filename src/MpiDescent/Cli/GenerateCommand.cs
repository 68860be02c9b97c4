using MpiDescent.Data;
using MpiDescent.IO;
using MpiDescent.Output;

namespace MpiDescent.Cli;

/// <summary><c>generate</c>: synthetic data with its true weights saved beside it.</summary>
public static class GenerateCommand
{
    /// <summary>Parses and runs.</summary>
    public static void Run(IEnumerable<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(CommandDefinitions.Generate, args);
        line.RequirePositionals();
        if (!line.Has("rows") || !line.Has("features")) throw line.Error("--rows and --features are required");
        long rows = line.Long("rows", 0, 1);
        int features = (int)line.Long("features", 0, 1, 1_000_000);
        double noise = line.Double("noise", 0.1);
        int seed = (int)line.Long("seed", 1, int.MinValue, int.MaxValue);
        var path = line.Positionals[0];
        var truthPath = Path.ChangeExtension(path, ".truth.json");
        OutputPaths.Check([], [new("the output", path), new("the true weights", truthPath)]);
        bool logistic = line.Choice("labels", "regression", "regression", "logistic") == "logistic";
        var (weights, intercept, header) = SyntheticData.Write(path, rows, features, noise, seed, logistic,
            ConvertCommand.ParseElementType(line));
        Json.Write(truthPath, new { weights, intercept, noise, seed, rows, features });
        output.WriteLine($"wrote {path}: {rows} rows x {features} features ({header.ElementType.Name()}), checksum " +
            $"{header.ChecksumHex}; true weights in {truthPath}");
    }
}
