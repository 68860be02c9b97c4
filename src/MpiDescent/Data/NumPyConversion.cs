using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// <c>convert X.npy out.bin --labels y.npy [--weights w.npy]</c>, or <c>convert data.npz out.bin [--dataset X]
/// [--labels y] [--weights w]</c>: NumPy arrays to a dense data file, streamed in blocks of rows (memory proportional
/// to a block, not to the arrays). The features are a 2-D array (rows × features, C or Fortran order); the labels and
/// the optional example weights a 1-D array, or rows × 1, of as many rows. Every numeric dtype is read (bool, int8 to
/// int64, uint8 to uint64, float16 to float64, either byte order) and stored as <see cref="ElementType"/>; a value that
/// is not finite, a negative weight, an integer beyond float64's exact range, or a value beyond float32's range in a
/// float32 file is an error naming the file, the array and the 1-based row and column.
/// </summary>
public sealed record NumPyConversion
{
    /// <summary>The values read per block (8 MiB of float64).</summary>
    public const int DefaultBlockValues = 1 << 20;

    /// <summary>The labels: a .npy file for a .npy input, an array's name in an .npz archive (null: "y").</summary>
    public string? Labels { get; init; }
    /// <summary>The example weights, named as <see cref="Labels"/> (null: none).</summary>
    public string? Weights { get; init; }
    /// <summary>The features' array in an .npz archive (null: "X").</summary>
    public string? Dataset { get; init; }
    /// <summary>The storage of every value.</summary>
    public ElementType ElementType { get; init; } = ElementType.Float64;

    /// <summary>Whether <paramref name="path"/> is NumPy input: its name ends in .npy or .npz, or it starts with the
    /// .npy magic.</summary>
    public static bool IsArrayInput(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".npy" or ".npz") return true;
        try
        {
            if (FileStatus.Of(path).Kind != FileKind.Regular) return false;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> start = stackalloc byte[6];
            return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length
                && NpyHeader.StartsWithMagic(start);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static bool IsArchive(string input) =>
        Path.GetExtension(input).Equals(".npz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The input files, for <see cref="OutputPaths.Check"/>: the input, and for a .npy input the labels'
    /// and weights' files.</summary>
    /// <exception cref="UsageException">A .npy input without <see cref="Labels"/>, or with
    /// <see cref="Dataset"/>.</exception>
    public IReadOnlyList<NamedPath> Inputs(string input)
    {
        if (IsArchive(input)) return [new("the input", input)];
        if (Dataset is not null)
            throw new UsageException($"--dataset names an array inside an .npz archive, and {input} is one .npy array");
        if (Labels is null)
            throw new UsageException($"{input} holds the features only: name the labels' .npy file with --labels");
        var inputs = new List<NamedPath> { new("the input", input), new("--labels", Labels) };
        if (Weights is not null) inputs.Add(new("--weights", Weights));
        return inputs;
    }

    /// <summary>Converts <paramref name="input"/> into the data file <paramref name="target"/> (written
    /// atomically), reading <paramref name="blockValues"/> feature values at a time.</summary>
    /// <returns>The header written and a phrase naming the arrays read, starting with ", ".</returns>
    public (DataFileHeader Header, string Note) Convert(string input, string target,
        int blockValues = DefaultBlockValues)
    {
        Inputs(input);
        bool archive = IsArchive(input);
        NpyArray Open(string name) => archive ? NpyArray.OpenArchiveEntry(input, name, target)
            : NpyArray.OpenFile(name);
        string xName = archive ? Dataset ?? "X" : input, yName = Labels ?? "y";
        using var x = Open(xName);
        using var y = Open(yName);
        using var w = Weights is null ? null : Open(Weights);
        if (x.Header.Shape.Length != 2)
            throw new InputFileException(x.FilePath, $"{x.Subject} has shape {x.Header.ShapeText}: the features need "
                + "two dimensions, rows and features (a single feature: save X.reshape(-1, 1))");
        if (x.Rows == 0) throw new InputFileException(x.FilePath, $"{x.Subject} has no rows");
        if (x.Columns > DataFileHeader.MaxFeatures)
            throw new InputFileException(x.FilePath, $"{x.Subject} has {x.Columns} columns, and a dense data file "
                + $"holds at most {DataFileHeader.MaxFeatures} features");
        CheckVector(y, x, "labels");
        if (w is not null) CheckVector(w, x, "weights");
        int features = (int)x.Columns;
        int blockRows = (int)Math.Clamp(blockValues / features, 1, x.Rows);
        var values = new double[blockRows * features];
        var labels = new double[blockRows];
        var weights = new double[blockRows];
        using var writer = new DataFileWriter(target, features, weights: w is not null, elementType: ElementType);
        for (long first = 0; first < x.Rows; first += blockRows)
        {
            int count = (int)Math.Min(blockRows, x.Rows - first);
            x.ReadRows(first, count, values);
            y.ReadRows(first, count, labels);
            w?.ReadRows(first, count, weights);
            Check(x, first, values.AsSpan(0, count * features), features);
            Check(y, first, labels.AsSpan(0, count), 1);
            if (w is not null)
            {
                Check(w, first, weights.AsSpan(0, count), 1);
                int negative = weights.AsSpan(0, count).IndexOfAnyInRange(double.NegativeInfinity, -double.Epsilon);
                if (negative >= 0)
                    throw new InputFileException(w.FilePath, $"{w.Subject}, {w.Place(first + negative, 0)}: weight "
                        + $"{weights[negative]} is negative");
            }
            for (int i = 0; i < count; i++)
                writer.WriteRow(values.AsSpan(i * features, features), labels[i], w is null ? 1 : weights[i]);
        }
        var header = writer.Complete();
        string Named(NpyArray a, string file) => (archive ? $"'{file}'" : file) + $" ({a.Description})";
        string note = $", from {(archive ? $"{input}: " : "")}features {Named(x, xName)}, labels {Named(y, yName)}"
            + (w is null ? "" : ", weights " + Named(w, Weights!));
        return (header, note);
    }

    private static void CheckVector(NpyArray vector, NpyArray x, string what)
    {
        var shape = vector.Header.Shape;
        if (!(shape.Length == 1 || (shape.Length == 2 && shape[1] == 1)))
            throw new InputFileException(vector.FilePath, $"{vector.Subject} has shape {vector.Header.ShapeText}: "
                + $"the {what} need one dimension (or one column)");
        if (vector.Rows != x.Rows)
            throw new InputFileException(vector.FilePath, $"{vector.Subject} has {vector.Rows} rows, and the features "
                + $"{x.Rows}: the {what} need one per row");
    }

    /// <summary>Checks a block of <paramref name="values"/>, <paramref name="columns"/> per row from row
    /// <paramref name="first"/>: finite (vectorized), and within float32's range for a float32 file.</summary>
    private void Check(NpyArray array, long first, ReadOnlySpan<double> values, int columns)
    {
        if (ShardLoader.AllFinite(values) && ElementType == ElementType.Float64) return;
        for (int k = 0; k < values.Length; k++) Check(array, first + k / columns, k % columns, values[k]);
    }

    private void Check(NpyArray array, long row, long column, double value)
    {
        if (!double.IsFinite(value))
            throw new InputFileException(array.FilePath, $"{array.Subject}, {array.Place(row, column)}: {value} is not "
                + "finite");
        if (!DataFileWriter.Fits(value, ElementType))
            throw new InputFileException(array.FilePath, $"{array.Subject}, {array.Place(row, column)}: {value} is "
                + "beyond float32's range (±3.4e38); convert with --dtype float64");
    }
}
