using System.Globalization;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// How CSV or LIBSVM/svmlight text becomes a data file: the settings of <c>convert</c>, shared by <c>train</c> on a
/// text input (<see cref="TextDataCache"/>). Null or default members mean "as convert does by default"; the format,
/// when not given, is decided from the input by <see cref="ResolveFormat"/>.
/// </summary>
public sealed record TextConversion
{
    /// <summary>The conversion's version: part of <see cref="Key"/>, raised when a change to the converters would make
    /// a file written before differ, so that cached data files of the older converters are made again.</summary>
    public const int Version = 1;

    /// <summary>"csv", "libsvm", or null: by the extension, else by the content.</summary>
    public string? Format { get; init; }
    /// <summary>CSV: the label column by name or 0-based index (null: the last column).</summary>
    public string? Label { get; init; }
    /// <summary>CSV: text labels' class names in order (null: the sorted distinct names).</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>CSV: the example-weight column (null: none).</summary>
    public string? Weight { get; init; }
    /// <summary>CSV: the separator (a character, "tab" or "space"; null: detected from the header).</summary>
    public string? Separator { get; init; }
    /// <summary>CSV: whether the first row names the columns.</summary>
    public bool HasHeader { get; init; } = true;
    /// <summary>LIBSVM: the feature count (null: the largest index).</summary>
    public int? Features { get; init; }
    /// <summary>LIBSVM: indices start at 0.</summary>
    public bool ZeroBased { get; init; }
    /// <summary>Hash into 2^bits features (null: no hashing).</summary>
    public int? HashBits { get; init; }
    /// <summary>CSV with hashing: the one-hot columns.</summary>
    public IReadOnlyList<string>? Categorical { get; init; }
    /// <summary>LIBSVM: the layout written.</summary>
    public ConversionLayout Layout { get; init; } = ConversionLayout.Auto;
    /// <summary>The storage of every value.</summary>
    public ElementType ElementType { get; init; } = ElementType.Float64;
    /// <summary>The settings that only CSV input takes, named by option, that were given.</summary>
    public IReadOnlyList<string> CsvOptionsGiven { get; init; } = [];
    /// <summary>The settings that only LIBSVM input takes, named by option, that were given.</summary>
    public IReadOnlyList<string> LibSvmOptionsGiven { get; init; } = [];

    /// <summary>The input's format: <see cref="Format"/> when given, else libsvm for .libsvm/.svm/.svmlight, csv for
    /// .csv/.tsv, otherwise recognized from the first lines (the standard LIBSVM data sets have no extension). Checks
    /// that the format-specific settings given apply to it.</summary>
    /// <exception cref="UsageException">A setting that does not apply to the input's format.</exception>
    public string ResolveFormat(string input)
    {
        if (Format is null && (ArrayConversion.IsArrayInput(input) || ParquetConversion.IsParquet(input)))
            throw new UsageException($"{input} is NumPy, HDF5 or Parquet input: convert it into a data file first "
                + $"('MpiDescent convert {input} data.bin', with --labels for arrays), and train on that");
        var extension = Path.GetExtension(input).ToLowerInvariant();
        string format = Format ?? (extension is ".libsvm" or ".svm" or ".svmlight" ? "libsvm"
            : extension is ".csv" or ".tsv" ? "csv"
            : LibSvmConverter.LooksLikeLibSvm(input) ? "libsvm" : "csv");
        var misplaced = format == "libsvm" ? CsvOptionsGiven : LibSvmOptionsGiven;
        if (misplaced.Count > 0)
            throw new UsageException($"{string.Join(", ", misplaced.Select(o => "--" + o))} "
                + $"appl{(misplaced.Count == 1 ? "ies" : "y")} to {(format == "libsvm" ? "CSV" : "LIBSVM")} input, "
                + $"and {input} is read as {(format == "libsvm" ? "LIBSVM" : "CSV")}"
                + (Format is null ? " (give --format to say otherwise)" : ""));
        if (Categorical is not null && (format != "csv" || HashBits is null))
            throw new UsageException("--categorical applies to CSV input with --hash-bits (one-hot by hashing)");
        return format;
    }

    /// <summary>Every setting that decides the written file, with the resolved format, as one string: two
    /// conversions of the same input with equal keys write identical files.</summary>
    public string Key(string format) => string.Join(";",
        $"version={Version}", $"format={format}", $"label={Label}", $"classes={Join(Classes)}", $"weight={Weight}",
        $"separator={Separator}", $"header={HasHeader}", $"features={Features}", $"zero-based={ZeroBased}",
        $"hash-bits={HashBits}", $"categorical={Join(Categorical)}", $"layout={Layout}",
        $"dtype={ElementType.Name()}");

    /// <summary>Converts <paramref name="input"/>, read as <paramref name="format"/> (from
    /// <see cref="ResolveFormat"/>), into the data file <paramref name="target"/> (written atomically).</summary>
    /// <returns>The header written and what the conversion found (hashing collisions, the label and its classes), as
    /// a phrase starting with ", " or empty.</returns>
    public (DataFileHeader Header, string Note) Convert(string input, string format, string target)
    {
        string note = "";
        DataFileHeader header;
        if (format == "csv")
        {
            var converter = new CsvConverter(input, Label, Separator, HasHeader, Weight, ElementType,
                Classes?.ToArray(), HashBits, Categorical?.ToArray());
            header = converter.Convert(target);
            if (HashBits is int bits)
                note = $", hashed: {converter.DistinctInputs} distinct columns and column=value pairs into " +
                    $"2^{bits} features, {converter.Collisions} of them share a feature with another";
            note += $", label '{PrintableText.Escape(converter.LabelName)}'" + (converter.ClassNames.Count == 0
                ? "" : $" with {converter.ClassNames.Count} classes: " + string.Join(", ", converter.ClassNames
                    .Select((c, k) => $"{k} = {PrintableText.Escape(c)}")));
        }
        else
        {
            var converter = new LibSvmConverter(input, Features, ElementType, Layout, ZeroBased, HashBits);
            header = converter.Convert(target);
            if (HashBits is int bits)
                note = $", hashed: {converter.DistinctInputs} distinct indices into 2^{bits} features, " +
                    $"{converter.Collisions} of them share a feature with another";
        }
        return (header, note);
    }

    /// <summary>One line describing a written file: rows, features, storage, sparsity, <paramref name="note"/> and
    /// the checksum.</summary>
    public static string Describe(string target, DataFileHeader header, string note)
    {
        string sparse = header.Layout == DataLayout.Sparse
            ? string.Create(CultureInfo.InvariantCulture,
                $", sparse: {header.Nonzeros} nonzeros, density {header.Density:G3}") : "";
        return $"{target}: {header.Rows} rows x {header.Features} features " +
            $"({header.ElementType.Name()}{sparse}){note}, checksum {header.ChecksumHex}";
    }

    /// <summary>"X MB in S s (R MB/s)": the size and rate of a conversion.</summary>
    public static string Rate(long bytes, double seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{bytes / 1e6:F1} MB in {seconds:F2} s ({bytes / 1e6 / Math.Max(seconds, 1e-9):F0} MB/s)");

    private static string Join(IReadOnlyList<string>? names) =>
        names is null ? "" : string.Join(",", names.Select(n => n.Replace("\\", "\\\\").Replace(",", "\\,")));
}
