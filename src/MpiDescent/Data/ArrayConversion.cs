using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Arrays to a dense data file: <c>convert X.npy out.bin --labels y.npy [--weights w.npy]</c>, <c>convert data.npz
/// out.bin [--dataset X] [--labels y] [--weights w]</c>, or <c>convert sim.h5 out.bin --dataset /features --labels
/// /target [--weights /w]</c>, streamed in blocks of rows (memory proportional to a block, not to the arrays). The
/// features are a 2-D array (rows × features); the labels and the optional example weights a 1-D array, or rows × 1,
/// of as many rows. The values are read as float64 (<see cref="NpyArray"/>, <see cref="Hdf5Array"/>) and stored as
/// <see cref="ElementType"/>; a value that is not finite, a negative weight, an integer beyond float64's exact range,
/// or a value beyond float32's range in a float32 file is an error naming the file, the array and the 1-based row and
/// column.
/// </summary>
public sealed record ArrayConversion
{
    /// <summary>The values read per block (8 MiB of float64).</summary>
    public const int DefaultBlockValues = 1 << 20;

    /// <summary>The labels: a .npy file for a .npy input, an array's name in an .npz archive (null: "y"), a dataset's
    /// path in an HDF5 file (required).</summary>
    public string? Labels { get; init; }
    /// <summary>The example weights, named as <see cref="Labels"/> (null: none).</summary>
    public string? Weights { get; init; }
    /// <summary>The features: an array's name in an .npz archive (null: "X"), a dataset's path in an HDF5 file
    /// (required).</summary>
    public string? Dataset { get; init; }
    /// <summary>The storage of every value.</summary>
    public ElementType ElementType { get; init; } = ElementType.Float64;

    /// <summary>The kinds of array input.</summary>
    public enum InputKind
    {
        /// <summary>One NumPy .npy array per file.</summary>
        Npy,
        /// <summary>A NumPy .npz archive of named arrays.</summary>
        Npz,
        /// <summary>An HDF5 file of datasets.</summary>
        Hdf5,
    }

    /// <summary>The kind of array input <paramref name="path"/> is, or null for text: by the extension (.npy, .npz,
    /// .h5, .hdf5, .he5), else by the first bytes (the .npy magic, HDF5's signature).</summary>
    public static InputKind? KindOf(string path)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".npy": return InputKind.Npy;
            case ".npz": return InputKind.Npz;
            case ".h5" or ".hdf5" or ".he5": return InputKind.Hdf5;
        }
        var start = InputFile.ReadStart(path, 8);
        return NpyHeader.StartsWithMagic(start) ? InputKind.Npy
            : Hdf5Array.StartsWithSignature(start) ? InputKind.Hdf5 : null;
    }

    /// <summary>Whether <paramref name="path"/> is array input (<see cref="KindOf"/>).</summary>
    public static bool IsArrayInput(string path) => KindOf(path) is not null;

    /// <summary>The input files, for <see cref="OutputPaths.Check"/>: the input, and for a .npy input the labels'
    /// and weights' files.</summary>
    /// <exception cref="UsageException">A .npy input without <see cref="Labels"/> or with <see cref="Dataset"/>, or an
    /// HDF5 input without both.</exception>
    public IReadOnlyList<NamedPath> Inputs(string input)
    {
        var kind = KindOf(input) ?? throw new ArgumentException($"{input} is not array input");
        if (kind == InputKind.Npz) return [new("the input", input)];
        if (kind == InputKind.Hdf5)
        {
            if (Dataset is null || Labels is null)
                throw new UsageException($"{input} is HDF5: name the features' and the labels' datasets with --dataset "
                    + "and --labels (e.g. --dataset /features --labels /target)");
            return [new("the input", input)];
        }
        if (Dataset is not null)
            throw new UsageException($"--dataset names an array inside an .npz archive or an HDF5 file, and {input} is "
                + "one .npy array");
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
        var kind = KindOf(input)!.Value;
        bool archive = kind != InputKind.Npy;
        IRowArray Open(string name) => kind switch
        {
            InputKind.Npz => NpyArray.OpenArchiveEntry(input, name, target),
            InputKind.Hdf5 => Hdf5Array.Open(input, name),
            _ => NpyArray.OpenFile(name),
        };
        string xName = archive ? Dataset ?? "X" : input, yName = Labels ?? "y";
        using var x = Open(xName);
        using var y = Open(yName);
        using var w = Weights is null ? null : Open(Weights);
        if (x.Dimensions != 2)
            throw new InputFileException(x.FilePath, $"{x.Subject} has shape {x.ShapeText}: the features need "
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
            Check(x, first, values.AsSpan(0, count * features), features, weights: false);
            Check(y, first, labels.AsSpan(0, count), 1, weights: false);
            if (w is not null) Check(w, first, weights.AsSpan(0, count), 1, weights: true);
            for (int i = 0; i < count; i++)
                writer.WriteRow(values.AsSpan(i * features, features), labels[i], w is null ? 1 : weights[i]);
        }
        var header = writer.Complete();
        string Named(IRowArray a, string file) => (archive ? $"'{file}'" : file) + $" ({a.Description})";
        string note = $", from {(archive ? $"{input}: " : "")}features {Named(x, xName)}, labels {Named(y, yName)}"
            + (w is null ? "" : ", weights " + Named(w, Weights!));
        return (header, note);
    }

    private static void CheckVector(IRowArray vector, IRowArray x, string what)
    {
        if (!(vector.Dimensions == 1 || (vector.Dimensions == 2 && vector.Columns == 1)))
            throw new InputFileException(vector.FilePath, $"{vector.Subject} has shape {vector.ShapeText}: "
                + $"the {what} need one dimension (or one column)");
        if (vector.Rows != x.Rows)
            throw new InputFileException(vector.FilePath, $"{vector.Subject} has {vector.Rows} rows, and the features "
                + $"{x.Rows}: the {what} need one per row");
    }

    /// <summary>Checks a block of <paramref name="values"/>, <paramref name="columns"/> per row from row
    /// <paramref name="first"/> (<see cref="ConvertedValues.Check"/>).</summary>
    private void Check(IRowArray array, long first, ReadOnlySpan<double> values, int columns, bool weights) =>
        ConvertedValues.Check(array.FilePath, values, ElementType, weights,
            k => $"{array.Subject}, {array.Place(first + k / columns, k % columns)}");
}
