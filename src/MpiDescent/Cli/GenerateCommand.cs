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
        bool sparse = line.Has("sparse");
        int features = (int)line.Long("features", 0, 1, sparse ? DataFileHeader.MaxSparseFeatures : 1_000_000);
        if (!sparse && line.Has("nonzeros-per-row")) throw line.Error("--nonzeros-per-row applies to --sparse");
        int perRow = sparse ? (int)line.Long("nonzeros-per-row", Math.Min(features, 10), 1, Math.Max(1, features / 2))
            : features;
        double noise = line.Double("noise", 0.1);
        int seed = (int)line.Long("seed", 1, int.MinValue, int.MaxValue);
        var path = line.Positionals[0];
        var truthPath = Path.ChangeExtension(path, ".truth.json");
        OutputPaths.Check([], [new("the output", path), new("the true weights", truthPath)]);
        bool logistic = line.Choice("labels", "regression", "regression", "logistic") == "logistic";
        var elementType = ConvertCommand.ParseElementType(line);
        var (weights, intercept, header) = sparse
            ? SyntheticData.WriteSparse(path, rows, features, perRow, noise, seed, logistic, elementType)
            : SyntheticData.Write(path, rows, features, noise, seed, logistic, elementType);
        Json.Write(truthPath, new SyntheticTruth(weights, intercept, noise, seed, rows, features));
        output.WriteLine($"wrote {path}: {rows} rows x {features} features ({header.ElementType.Name()}" +
            (sparse ? $", sparse: {header.Nonzeros} nonzeros" : "") + "), checksum " +
            $"{header.ChecksumHex}; true weights in {truthPath}");
    }
}
