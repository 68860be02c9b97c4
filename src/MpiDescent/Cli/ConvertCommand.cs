using MpiDescent.Data;
using MpiDescent.IO;

namespace MpiDescent.Cli;

/// <summary><c>convert</c>: CSV or LIBSVM text to a data file.</summary>
public static class ConvertCommand
{
    /// <summary>Parses and runs.</summary>
    public static void Run(IEnumerable<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(CommandDefinitions.Convert, args);
        line.RequirePositionals();
        string input = line.Positionals[0], target = line.Positionals[1];
        OutputPaths.Check([new("the input", input)], [new("the output", target)]);
        var extension = Path.GetExtension(input).ToLowerInvariant();
        var format = line.Choice("format", extension is ".libsvm" or ".svm" or ".svmlight" ? "libsvm" : "csv", "csv",
            "libsvm");
        if (format == "libsvm" && (line.Has("label") || line.Has("separator") || line.Has("no-header")
            || line.Has("weight")))
            throw line.Error("--label, --weight, --separator and --no-header apply to CSV input");
        if (format == "csv" && line.Has("features")) throw line.Error("--features applies to LIBSVM input");
        var elementType = ParseElementType(line);
        DataFileHeader header;
        string labelNote = "";
        if (format == "csv")
        {
            var converter = new CsvConverter(input, line.Text("label"), line.Text("separator"), !line.Has("no-header"),
                line.Text("weight"), elementType);
            header = converter.Convert(target);
            labelNote = $", label '{PrintableText.Escape(converter.LabelName)}'";
        }
        else
        {
            int? d = line.Has("features") ? (int)line.Long("features", 0, 1, 10_000_000) : null;
            header = new LibSvmConverter(input, d, elementType).Convert(target);
        }
        output.WriteLine($"wrote {target}: {header.Rows} rows x {header.Features} features " +
            $"({header.ElementType.Name()}){labelNote}, checksum {header.ChecksumHex}");
    }

    /// <summary><c>--dtype float64|float32</c> (default float64).</summary>
    internal static ElementType ParseElementType(CommandLine line) =>
        line.Choice("dtype", "float64", "float64", "float32") == "float32" ? ElementType.Float32 : ElementType.Float64;
}
