using MpiDescent.Data;
using MpiDescent.IO;

namespace MpiDescent.Cli;

/// <summary><c>convert</c>: CSV or LIBSVM text, or NumPy or HDF5 arrays, to a data file.</summary>
public static class ConvertCommand
{
    /// <summary>The options of a conversion, which <c>train</c> takes too for a text input.</summary>
    public static readonly string[] ConversionOptionNames =
        CommandDefinitions.ConversionOptions.Select(o => o.Name).ToArray();

    private static readonly string[] CsvOnly = ["label", "weight", "classes", "separator", "no-header"];
    private static readonly string[] LibSvmOnly = ["features", "zero-based", "layout"];
    private static readonly string[] ArrayOnly = ["labels", "weights", "dataset"];
    private static readonly string[] ParquetOnly = ["fill-missing", "indices", "values"];
    private static readonly string[] ParquetTakes = ["label", "weight", "dtype", "hash-bits", "categorical",
        "features", .. ParquetOnly];

    /// <summary>Parses and runs.</summary>
    public static void Run(IEnumerable<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(CommandDefinitions.Convert, args);
        line.RequirePositionals();
        string input = line.Positionals[0], target = line.Positionals[1];
        if (!line.Has("format") && ParquetConversion.IsParquet(input))
        {
            RunParquet(line, input, target, output);
            return;
        }
        if (!line.Has("format") && ArrayConversion.IsArrayInput(input))
        {
            RunArrays(line, input, target, output);
            return;
        }
        var misplaced = ArrayOnly.Where(line.Has).ToArray();
        if (misplaced.Length > 0)
            throw line.Error(Misplaced(misplaced, $"NumPy or HDF5 input (.npy, .npz, .h5), and {input} is text"));
        var parquet = ParquetOnly.Where(line.Has).ToArray();
        if (parquet.Length > 0) throw line.Error(Misplaced(parquet, $"Parquet input, and {input} is text"));
        OutputPaths.Check([new("the input", input)], [new("the output", target)]);
        var conversion = ParseConversion(line);
        string format;
        try { format = conversion.ResolveFormat(input); }
        catch (UsageException e) { throw line.Error(e.Message); }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (header, note) = conversion.Convert(input, format, target);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        output.WriteLine("wrote " + TextConversion.Describe(target, header, note));
        output.WriteLine($"converted text: {TextConversion.Rate(new FileInfo(input).Length, seconds)}, every pass "
            + "over the input");
    }

    /// <summary>"--a, --b apply to WHERE": options given for another kind of input.</summary>
    private static string Misplaced(IReadOnlyList<string> options, string where) =>
        $"{string.Join(", ", options.Select(o => "--" + o))} appl{(options.Count == 1 ? "ies" : "y")} to {where}";

    private static void RunParquet(CommandLine line, string input, string target, TextWriter output)
    {
        var other = ConversionOptionNames.Concat(ArrayOnly).Where(o => !ParquetTakes.Contains(o) && line.Has(o))
            .ToArray();
        if (other.Length > 0)
            throw line.Error($"{input} is Parquet, which takes only "
                + string.Join(", ", ParquetTakes.Select(o => "--" + o)) + ", not "
                + string.Join(", ", other.Select(o => "--" + o)));
        if (line.Has("indices") != line.Has("values"))
            throw line.Error("--indices and --values go together: the list columns of each row's feature indices and "
                + "of their values");
        if (line.Has("categorical") && !line.Has("hash-bits"))
            throw line.Error("--categorical applies with --hash-bits (one-hot by hashing)");
        if (line.Has("features") && (!line.Has("indices") || line.Has("hash-bits")))
            throw line.Error("--features applies to Parquet input with --indices and --values, without --hash-bits");
        if (line.Text("fill-missing") is string how && how is not ("zero" or "mean")
            && !(double.TryParse(how, System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)))
            throw line.Error($"--fill-missing '{how}': give zero, mean or a finite number");
        OutputPaths.Check([new("the input", input)], [new("the output", target)]);
        var conversion = new ParquetConversion(line.Text("label"), line.Text("weight"), ParseElementType(line))
        {
            FillMissing = line.Text("fill-missing"),
            HashBits = line.Has("hash-bits") ? (int)line.Long("hash-bits", 0, 1, 30) : null,
            Categorical = line.Text("categorical")?.Split(',').Select(c => c.Trim()).ToArray() ?? [],
            Indices = line.Text("indices"),
            Values = line.Text("values"),
            Features = line.Has("features")
                ? (int)line.Long("features", 0, 1, DataFileHeader.MaxSparseFeatures) : null,
        };
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (header, note) = conversion.Convert(input, target);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        output.WriteLine("wrote " + TextConversion.Describe(target, header, note));
        output.WriteLine($"converted Parquet: {TextConversion.Rate(new FileInfo(input).Length, seconds)}");
    }

    private static void RunArrays(CommandLine line, string input, string target, TextWriter output)
    {
        var textOnly = ConversionOptionNames.Concat(ParquetOnly).Where(o => o != "dtype" && line.Has(o)).ToArray();
        if (textOnly.Length > 0)
            throw line.Error(Misplaced(textOnly, $"CSV or LIBSVM text, and {input} is array input (NumPy or HDF5)"));
        var conversion = new ArrayConversion
        {
            Labels = line.Text("labels"),
            Weights = line.Text("weights"),
            Dataset = line.Text("dataset"),
            ElementType = ParseElementType(line),
        };
        IReadOnlyList<NamedPath> inputs;
        try { inputs = conversion.Inputs(input); }
        catch (UsageException e) { throw line.Error(e.Message); }
        OutputPaths.Check(inputs, [new("the output", target)]);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (header, note) = conversion.Convert(input, target);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        long bytes = inputs.Sum(i => new FileInfo(i.Path).Length);
        output.WriteLine("wrote " + TextConversion.Describe(target, header, note));
        output.WriteLine($"converted arrays: {TextConversion.Rate(bytes, seconds)}");
    }

    /// <summary>The conversion settings on <paramref name="line"/> (<see cref="ConversionOptionNames"/>), checked
    /// for what does not depend on the input's format.</summary>
    internal static TextConversion ParseConversion(CommandLine line)
    {
        if (line.Has("hash-bits") && line.Has("features"))
            throw line.Error("--hash-bits sets the feature count (2^B); leave out --features");
        if (line.Has("categorical") && !line.Has("hash-bits"))
            throw line.Error("--categorical applies to CSV input with --hash-bits (one-hot by hashing)");
        return new TextConversion
        {
            Format = line.Has("format") ? line.Choice("format", "csv", "csv", "libsvm") : null,
            Label = line.Text("label"),
            Classes = line.Text("classes")?.Split(',').Select(c => c.Trim()).ToArray(),
            Weight = line.Text("weight"),
            Separator = line.Text("separator"),
            HasHeader = !line.Has("no-header"),
            Features = line.Has("features")
                ? (int)line.Long("features", 0, 1, DataFileHeader.MaxSparseFeatures) : null,
            ZeroBased = line.Has("zero-based"),
            HashBits = line.Has("hash-bits") ? (int)line.Long("hash-bits", 0, 1, 30) : null,
            Categorical = line.Text("categorical")?.Split(',').Select(c => c.Trim()).ToArray(),
            Layout = line.Choice("layout", "auto", "auto", "dense", "sparse") switch
            {
                "dense" => ConversionLayout.Dense,
                "sparse" => ConversionLayout.Sparse,
                _ => ConversionLayout.Auto,
            },
            ElementType = ParseElementType(line),
            CsvOptionsGiven = CsvOnly.Where(line.Has).ToArray(),
            LibSvmOptionsGiven = LibSvmOnly.Where(line.Has).ToArray(),
        };
    }

    /// <summary><c>--dtype float64|float32</c> (default float64).</summary>
    internal static ElementType ParseElementType(CommandLine line) =>
        line.Choice("dtype", "float64", "float64", "float32") == "float32" ? ElementType.Float32 : ElementType.Float64;
}
