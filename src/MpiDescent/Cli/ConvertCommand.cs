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
        // Known extensions decide; otherwise the content does (the standard LIBSVM data sets have no extension).
        string detected = extension is ".libsvm" or ".svm" or ".svmlight" ? "libsvm"
            : extension is ".csv" or ".tsv" || line.Has("format") ? "csv"
            : LibSvmConverter.LooksLikeLibSvm(input) ? "libsvm" : "csv";
        var format = line.Choice("format", detected, "csv", "libsvm");
        if (format == "libsvm" && (line.Has("label") || line.Has("separator") || line.Has("no-header")
            || line.Has("weight") || line.Has("classes")))
            throw line.Error("--label, --weight, --classes, --separator and --no-header apply to CSV input");
        if (format == "csv" && (line.Has("features") || line.Has("zero-based") || line.Has("layout")))
            throw line.Error("--features, --zero-based and --layout apply to LIBSVM input");
        if (line.Has("categorical") && (format != "csv" || !line.Has("hash-bits")))
            throw line.Error("--categorical applies to CSV input with --hash-bits (one-hot by hashing)");
        if (line.Has("hash-bits") && line.Has("features"))
            throw line.Error("--hash-bits sets the feature count (2^B); leave out --features");
        var layout = line.Choice("layout", "auto", "auto", "dense", "sparse") switch
        {
            "dense" => ConversionLayout.Dense,
            "sparse" => ConversionLayout.Sparse,
            _ => ConversionLayout.Auto,
        };
        var elementType = ParseElementType(line);
        DataFileHeader header;
        string labelNote = "";
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        int? bits = line.Has("hash-bits") ? (int)line.Long("hash-bits", 0, 1, 30) : null;
        if (format == "csv")
        {
            var classes = line.Text("classes")?.Split(',').Select(c => c.Trim()).ToArray();
            var categorical = line.Text("categorical")?.Split(',').Select(c => c.Trim()).ToArray();
            var converter = new CsvConverter(input, line.Text("label"), line.Text("separator"), !line.Has("no-header"),
                line.Text("weight"), elementType, classes, bits, categorical);
            header = converter.Convert(target);
            if (bits is not null)
                labelNote = $", hashed: {converter.DistinctInputs} distinct columns and column=value pairs into " +
                    $"2^{bits} features, {converter.Collisions} of them share a feature with another";
            labelNote += $", label '{PrintableText.Escape(converter.LabelName)}'" + (converter.ClassNames.Count == 0
                ? "" : $" with {converter.ClassNames.Count} classes: " + string.Join(", ", converter.ClassNames
                    .Select((c, k) => $"{k} = {PrintableText.Escape(c)}")));
        }
        else
        {
            int? d = line.Has("features") ? (int)line.Long("features", 0, 1, DataFileHeader.MaxSparseFeatures) : null;
            var converter = new LibSvmConverter(input, d, elementType, layout, line.Has("zero-based"), bits);
            header = converter.Convert(target);
            if (bits is not null)
                labelNote = $", hashed: {converter.DistinctInputs} distinct indices into 2^{bits} features, " +
                    $"{converter.Collisions} of them share a feature with another";
        }
        string sparse = header.Layout == DataLayout.Sparse
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $", sparse: {header.Nonzeros} nonzeros, density {header.Density:G3}") : "";
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        double megabytes = new FileInfo(input).Length / 1e6;
        output.WriteLine($"wrote {target}: {header.Rows} rows x {header.Features} features " +
            $"({header.ElementType.Name()}{sparse}){labelNote}, checksum {header.ChecksumHex}");
        double rate = megabytes / Math.Max(seconds, 1e-9);
        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"converted {megabytes:F1} MB of text in {seconds:F2} s ({rate:F0} MB/s, every pass over the input)"));
    }

    /// <summary><c>--dtype float64|float32</c> (default float64).</summary>
    internal static ElementType ParseElementType(CommandLine line) =>
        line.Choice("dtype", "float64", "float64", "float32") == "float32" ? ElementType.Float32 : ElementType.Float64;
}
