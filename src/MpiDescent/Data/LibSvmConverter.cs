using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams LIBSVM/svmlight text (<c>label index:value ...</c>, increasing indices, 1-based unless
/// <c>zeroBased</c>, '#' comments, <c>qid:</c> fields ignored) into a data file in memory proportional to one row
/// and one checksum block. A first pass finds the rows, the nonzeros and the largest index (unless the feature count
/// is given); the second writes the rows, sparse or dense (<see cref="ConversionLayout"/>). Explicit zeros are not
/// stored in sparse files. Malformed pairs, duplicate or decreasing indices and indices beyond the feature count are
/// <see cref="InputFileException"/>s naming the 1-based line.
/// </summary>
/// With <c>hashBits</c> the indices are hashed into 2^B features (<see cref="FeatureHash"/>) and
/// <see cref="Collisions"/> counts the distinct indices that share a feature with another.
public sealed class LibSvmConverter(string inputPath, int? features, ElementType elementType = ElementType.Float64,
    ConversionLayout layout = ConversionLayout.Auto, bool zeroBased = false, int? hashBits = null)
{
    /// <summary>With hashing: distinct input indices seen, once <see cref="Convert"/> has run.</summary>
    public long DistinctInputs { get; private set; }

    /// <summary>With hashing: distinct input indices whose feature another distinct index also maps to.</summary>
    public long Collisions { get; private set; }

    /// <summary>Dense output is refused beyond this many bytes when it would also be more than
    /// <see cref="MaxDenseExpansion"/> times the sparse file (about 1 GiB).</summary>
    public const long MaxDenseBytes = 1L << 30;

    /// <summary>The most a dense file may exceed the sparse one by, beyond <see cref="MaxDenseBytes"/>.</summary>
    public const int MaxDenseExpansion = 4;

    /// <summary>Density at or below which <see cref="ConversionLayout.Auto"/> writes a sparse file: a sparse entry
    /// takes 4 + e bytes against e for a dense value, so below about 1/2 (float32) to 2/3 (float64) sparse is smaller;
    /// 1/2 is used for both.</summary>
    public const double SparseDensity = 0.5;

    /// <summary>Statistics of the first pass.</summary>
    public sealed record Scan(long Rows, long Nonzeros, int MaxIndex);

    /// <summary>Converts to <paramref name="outputPath"/>; returns the written header.</summary>
    public DataFileHeader Convert(string outputPath)
    {
        var scan = ReadAll(null, int.MaxValue);
        if (scan.Rows == 0) throw new InputFileException(inputPath, "no data rows");
        int d = hashBits is int b ? 1 << b : features ?? (zeroBased ? scan.MaxIndex + 1 : scan.MaxIndex);
        if (d < 1) throw new InputFileException(inputPath, "no features in any row");
        long denseBytes = scan.Rows * ((long)d + 1) * elementType.Bytes();
        long sparseBytes = scan.Rows * (4L + elementType.Bytes()) + scan.Nonzeros * (4L + elementType.Bytes());
        double density = scan.Nonzeros / ((double)scan.Rows * d);
        bool sparse = layout == ConversionLayout.Sparse
            || (layout == ConversionLayout.Auto && (density <= SparseDensity || d > DataFileHeader.MaxFeatures));
        if (!sparse)
        {
            if (d > DataFileHeader.MaxFeatures)
                throw new InputFileException(inputPath, $"{d} features are more than a dense file may have " +
                    $"({DataFileHeader.MaxFeatures}); write it sparse (--layout sparse or auto)");
            if (denseBytes > MaxDenseBytes && denseBytes > MaxDenseExpansion * sparseBytes)
            {
                var c = CultureInfo.InvariantCulture;
                throw new InputFileException(inputPath, "a dense file would take "
                    + $"{(denseBytes / 1e9).ToString("G3", c)} "
                    + $"GB ({scan.Rows} rows × {d} features at density {density.ToString("G3", c)}), "
                    + $"{(denseBytes / (double)sparseBytes).ToString("G3", c)} times the sparse file's "
                    + $"{(sparseBytes / 1e9).ToString("G3", c)} GB; write it sparse (--layout sparse or auto)");
            }
            return WriteDense(outputPath, d);
        }
        using var writer = new SparseDataFileWriter(outputPath, d, elementType: elementType);
        var indices = new List<int>();
        var values = new List<double>();
        ReadAll((label, entries, _) =>
        {
            indices.Clear();
            values.Clear();
            foreach (var (index, value) in entries)
            {
                if (value == 0) continue;
                indices.Add(index);
                values.Add(value);
            }
            writer.WriteRow(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(indices),
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), label);
        }, d);
        return writer.Complete();
    }

    private DataFileHeader WriteDense(string outputPath, int d)
    {
        var row = new double[d];
        using var writer = new DataFileWriter(outputPath, d, elementType: elementType);
        ReadAll((label, entries, _) =>
        {
            Array.Clear(row);
            foreach (var (index, value) in entries) row[index] = value;
            writer.WriteRow(row, label);
        }, d);
        return writer.Complete();
    }

    /// <summary>Parses every line, passing each row (0-based indices) to <paramref name="onRow"/>; indices at or beyond
    /// <paramref name="limit"/> are errors naming the line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Scan ReadAll(Action<double, List<(int, double)>, long>? onRow, int limit)
    {
        using var stream = InputFile.OpenRead(inputPath);
        using var reader = new StreamReader(stream, Encoding.UTF8, true, 1 << 16);
        int maxIndex = zeroBased ? -1 : 0;
        long lineNumber = 0, rows = 0, nonzeros = 0;
        var entries = new List<(int, double)>();
        int lowest = zeroBased ? 0 : 1;
        var owners = hashBits is null || onRow is not null ? null : new Dictionary<int, int>();
        var collided = owners is null ? null : new HashSet<int>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            int hash = line.IndexOf('#');
            var text = (hash >= 0 ? line.AsSpan(0, hash) : line.AsSpan()).Trim();
            if (text.IsEmpty) continue;
            // Tokens are taken as spans of the line: no per-token strings (the parse is what convert's time is).
            var rest = text;
            double label = Number(NextToken(ref rest), lineNumber, "label");
            entries.Clear();
            int previous = int.MinValue;
            for (var token = NextToken(ref rest); !token.IsEmpty; token = NextToken(ref rest))
            {
                int colon = token.IndexOf(':');
                if (colon > 0 && token[..colon].SequenceEqual("qid")) continue;
                if (colon <= 0 || !int.TryParse(token[..colon], NumberStyles.None,
                    CultureInfo.InvariantCulture, out int index))
                    throw new InputFileException(inputPath,
                        $"line {lineNumber}: '{Truncate(token.ToString())}' is not index:value");
                if (index < lowest)
                    throw new InputFileException(inputPath, $"line {lineNumber}: feature index {index}; LIBSVM " +
                        "indices start at 1 (convert with --zero-based for 0-based indices)");
                if (index == previous)
                    throw new InputFileException(inputPath, $"line {lineNumber}: index {index} appears twice");
                if (index < previous)
                    throw new InputFileException(inputPath,
                        $"line {lineNumber}: index {index} after {previous}; indices must increase");
                int column = index - lowest;
                if (hashBits is int bits)
                {
                    column = FeatureHash.OfIndex(index, bits);
                    if (owners is not null && !owners.TryAdd(column, index) && owners[column] != index)
                    {
                        collided!.Add(index);
                        collided.Add(owners[column]);
                    }
                }
                else if (column >= limit)
                    throw new InputFileException(inputPath, $"line {lineNumber}: feature index {index} exceeds " +
                        $"--features {limit}");
                previous = index;
                var valueText = token[(colon + 1)..];
                if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                    || !double.IsFinite(value) || !DataFileWriter.Fits(value, elementType))
                    value = Number(valueText, lineNumber, $"feature {index}"); // throws, naming the problem
                entries.Add((column, value));
            }
            if (previous != int.MinValue) maxIndex = Math.Max(maxIndex, previous);
            if (hashBits is not null) FeatureHash.Merge(entries);
            rows++;
            foreach (var (_, v) in entries) if (v != 0) nonzeros++;
            onRow?.Invoke(label, entries, lineNumber);
        }
        if (lineNumber == 0) throw new InputFileException(inputPath, "the file is empty");
        if (owners is not null) (DistinctInputs, Collisions) = (CountDistinct(owners, collided!), collided!.Count);
        return new Scan(rows, nonzeros, zeroBased ? maxIndex : maxIndex);
    }

    /// <summary>Distinct inputs: one per owned feature, plus the colliding ones that do not own theirs.</summary>
    private static long CountDistinct(Dictionary<int, int> owners, HashSet<int> collided)
    {
        var ownersSet = new HashSet<int>(owners.Values);
        return owners.Count + collided.Count(i => !ownersSet.Contains(i));
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private double Number(ReadOnlySpan<char> text, long line, string what)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            || !double.IsFinite(v))
            throw new InputFileException(inputPath,
                $"line {line}: {what} '{Truncate(text.ToString())}' is not a finite number");
        if (!DataFileWriter.Fits(v, elementType))
            throw new InputFileException(inputPath,
                $"line {line}: {what} '{text}' is beyond float32's range (±3.4e38); convert with --dtype float64");
        return v;
    }

    /// <summary>The next whitespace-separated token of <paramref name="rest"/>, which moves past it (empty at the
    /// end).</summary>
    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
    {
        int start = 0;
        while (start < rest.Length && char.IsWhiteSpace(rest[start])) start++;
        int end = start;
        while (end < rest.Length && !char.IsWhiteSpace(rest[end])) end++;
        var token = rest[start..end];
        rest = rest[end..];
        return token;
    }

    /// <summary>Whether <paramref name="path"/> looks like LIBSVM text: its first non-comment line is a number followed
    /// by index:value pairs (so that LIBSVM files without an extension, as the standard data sets come, are
    /// recognized).</summary>
    public static bool LooksLikeLibSvm(string path)
    {
        using var stream = InputFile.OpenRead(path);
        using var reader = new StreamReader(stream, Encoding.UTF8, true, 1 << 12);
        for (int lines = 0; lines < 100 && reader.ReadLine() is string line; lines++)
        {
            int hash = line.IndexOf('#');
            var tokens = (hash >= 0 ? line[..hash] : line).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) continue;
            if (!double.TryParse(tokens[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return false;
            if (tokens.Length == 1) continue; // a row without features says nothing
            return tokens.Skip(1).All(t => t.IndexOf(':') is int c and > 0 && c < t.Length - 1);
        }
        return false;
    }
}

/// <summary>The layout <c>convert</c> writes.</summary>
public enum ConversionLayout
{
    /// <summary>Sparse when the density is at most <see cref="LibSvmConverter.SparseDensity"/>, else dense.</summary>
    Auto,
    /// <summary>Dense row records.</summary>
    Dense,
    /// <summary>Sparse rows (CSR blocks).</summary>
    Sparse,
}
