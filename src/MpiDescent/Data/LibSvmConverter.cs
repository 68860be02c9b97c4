using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams LIBSVM/svmlight text (<c>label index:value ...</c>, increasing indices, 1-based unless
/// <c>zeroBased</c>, '#' comments, <c>qid:</c> fields ignored) into a data file in memory proportional to one row
/// and one checksum block, sparse or dense (<see cref="ConversionLayout"/>; <see cref="Convert"/> says when it reads
/// the input twice). Explicit zeros are not stored in sparse files. Malformed pairs, duplicate or decreasing indices
/// and indices beyond the feature count are <see cref="InputFileException"/>s naming the 1-based line.
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

    /// <summary>Statistics of a pass over the input: rows, stored nonzeros, largest index.</summary>
    public sealed record Scan(long Rows, long Nonzeros, int MaxIndex);

    /// <summary>Converts to <paramref name="outputPath"/>; returns the written header. Sparse and automatic layouts
    /// read the input once, writing sparse rows as they come (the feature count is set when the last row is in); a
    /// dense file needs the feature count and the density first, so it takes a first pass, and an automatic layout
    /// whose data turn out dense reads the input again to write them dense.</summary>
    public DataFileHeader Convert(string outputPath)
    {
        if (layout == ConversionLayout.Dense)
        {
            var scan = ReadAll(null, int.MaxValue);
            int d = FeatureCount(scan);
            RefuseLargeDense(scan, d);
            return WriteDense(outputPath, d);
        }
        int limit = hashBits is int b ? 1 << b : features ?? DataFileHeader.MaxSparseFeatures;
        using var writer = new SparseDataFileWriter(outputPath, limit, elementType: elementType);
        var rows = ReadAll(writer, limit);
        int count = FeatureCount(rows);
        double density = rows.Nonzeros / ((double)rows.Rows * count);
        if (layout == ConversionLayout.Auto && density > SparseDensity && count <= DataFileHeader.MaxFeatures)
        {
            writer.Dispose(); // nothing of the sparse attempt is left
            return WriteDense(outputPath, count);
        }
        return writer.Complete(count);
    }

    /// <summary>The feature count: 2^B when hashing, else the one given, else the largest index seen.</summary>
    private int FeatureCount(Scan scan)
    {
        if (scan.Rows == 0) throw new InputFileException(inputPath, "no data rows");
        int d = hashBits is int b ? 1 << b : features ?? (zeroBased ? scan.MaxIndex + 1 : scan.MaxIndex);
        return d >= 1 ? d : throw new InputFileException(inputPath, "no features in any row");
    }

    /// <summary>Refuses a dense file that would be large and far larger than the sparse one.</summary>
    private void RefuseLargeDense(Scan scan, int d)
    {
        if (d > DataFileHeader.MaxFeatures)
            throw new InputFileException(inputPath, $"{d} features are more than a dense file may have " +
                $"({DataFileHeader.MaxFeatures}); write it sparse (--layout sparse or auto)");
        long denseBytes = scan.Rows * ((long)d + 1) * elementType.Bytes();
        long sparseBytes = scan.Rows * (4L + elementType.Bytes()) + scan.Nonzeros * (4L + elementType.Bytes());
        double density = scan.Nonzeros / ((double)scan.Rows * d);
        if (denseBytes > MaxDenseBytes && denseBytes > MaxDenseExpansion * sparseBytes)
        {
            var c = CultureInfo.InvariantCulture;
            throw new InputFileException(inputPath, "a dense file would take "
                + $"{(denseBytes / 1e9).ToString("G3", c)} "
                + $"GB ({scan.Rows} rows × {d} features at density {density.ToString("G3", c)}), "
                + $"{(denseBytes / (double)sparseBytes).ToString("G3", c)} times the sparse file's "
                + $"{(sparseBytes / 1e9).ToString("G3", c)} GB; write it sparse (--layout sparse or auto)");
        }
    }

    private DataFileHeader WriteDense(string outputPath, int d)
    {
        using var writer = new DataFileWriter(outputPath, d, elementType: elementType);
        ReadAll(writer, d);
        return writer.Complete();
    }

    /// <summary>Parses every line, writing each row to <paramref name="output"/> (a <see cref="DataFileWriter"/> or
    /// <see cref="SparseDataFileWriter"/>; none for a scan); indices at or beyond <paramref name="limit"/> are errors
    /// naming the line. The text is parsed as UTF-8 bytes where it lies in the read buffer: no string is built unless
    /// an error message needs one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Scan ReadAll(IDisposable? output, int limit)
    {
        using var reader = new Utf8LineReader(inputPath);
        var sparse = output as SparseDataFileWriter;
        var dense = output as DataFileWriter;
        var row = dense is null ? [] : new double[limit];
        int maxIndex = zeroBased ? -1 : 0;
        long rows = 0, nonzeros = 0;
        var columns = new int[256];
        var values = new double[256];
        var merged = hashBits is null ? null : new List<(int, double)>();
        int lowest = zeroBased ? 0 : 1;
        var owners = hashBits is null || (output is not null && layout == ConversionLayout.Dense) ? null
            : new Dictionary<int, int>();
        var collided = owners is null ? null : new HashSet<int>();
        while (reader.TryReadLine(out var line))
        {
            long lineNumber = reader.LineNumber;
            int hash = line.IndexOf((byte)'#');
            var rest = (hash >= 0 ? line[..hash] : line).Trim(Utf8LineReader.WhiteSpace);
            if (rest.IsEmpty) continue;
            double label = Number(NextToken(ref rest), lineNumber, "label");
            int n = 0, previous = int.MinValue;
            for (var token = NextToken(ref rest); !token.IsEmpty; token = NextToken(ref rest))
            {
                int colon = 0;
                while (colon < token.Length && (uint)(token[colon] - '0') <= 9) colon++;
                if (colon == 0 && token.StartsWith("qid:"u8)) continue;
                if (colon == 0 || colon == token.Length || token[colon] != ':'
                    || !Utf8Number.TryParseIndex(token[..colon], out int index))
                    throw new InputFileException(inputPath,
                        $"line {lineNumber}: '{Text(token)}' is not index:value");
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
                if (!Utf8Number.TryParseDouble(valueText, out double value) || !double.IsFinite(value)
                    || !DataFileWriter.Fits(value, elementType))
                    value = Number(valueText, lineNumber, $"feature {index}"); // throws, naming the problem
                if (n == columns.Length)
                {
                    Array.Resize(ref columns, 2 * n);
                    Array.Resize(ref values, 2 * n);
                }
                (columns[n], values[n]) = (column, value);
                n++;
            }
            if (previous != int.MinValue) maxIndex = Math.Max(maxIndex, previous);
            if (merged is not null) n = Merge(merged, columns, values, n);
            n = DropZeros(columns, values, n);
            rows++;
            nonzeros += n;
            if (sparse is not null) sparse.WriteRow(columns.AsSpan(0, n), values.AsSpan(0, n), label);
            else if (dense is not null)
            {
                Array.Clear(row);
                for (int k = 0; k < n; k++) row[columns[k]] = values[k];
                dense.WriteRow(row, label);
            }
        }
        if (reader.LineNumber == 0) throw new InputFileException(inputPath, "the file is empty");
        if (owners is not null) (DistinctInputs, Collisions) = (CountDistinct(owners, collided!), collided!.Count);
        return new Scan(rows, nonzeros, maxIndex);
    }

    /// <summary>Sorts a hashed row by feature, adding the values that share one (<see cref="FeatureHash.Merge"/>);
    /// returns the entries left.</summary>
    private static int Merge(List<(int, double)> merged, int[] columns, double[] values, int n)
    {
        merged.Clear();
        for (int k = 0; k < n; k++) merged.Add((columns[k], values[k]));
        FeatureHash.Merge(merged);
        for (int k = 0; k < merged.Count; k++) (columns[k], values[k]) = merged[k];
        return merged.Count;
    }

    /// <summary>Removes explicit zeros (sparse files do not store them); returns the entries left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DropZeros(int[] columns, double[] values, int n)
    {
        int kept = 0;
        for (int k = 0; k < n; k++)
            if (values[k] != 0) (columns[kept], values[kept++]) = (columns[k], values[k]);
        return kept;
    }

    /// <summary>Distinct inputs: one per owned feature, plus the colliding ones that do not own theirs.</summary>
    private static long CountDistinct(Dictionary<int, int> owners, HashSet<int> collided)
    {
        var ownersSet = new HashSet<int>(owners.Values);
        return owners.Count + collided.Count(i => !ownersSet.Contains(i));
    }

    private static string Text(ReadOnlySpan<byte> text) =>
        text.Length <= 40 ? Encoding.UTF8.GetString(text) : Encoding.UTF8.GetString(text[..40]) + "...";

    private double Number(ReadOnlySpan<byte> text, long line, string what)
    {
        if (!Utf8Number.TryParseDouble(text, out double v) || !double.IsFinite(v))
            throw new InputFileException(inputPath, $"line {line}: {what} '{Text(text)}' is not a finite number");
        if (!DataFileWriter.Fits(v, elementType))
            throw new InputFileException(inputPath, $"line {line}: {what} '{Text(text)}' is beyond float32's range " +
                "(±3.4e38); convert with --dtype float64");
        return v;
    }

    /// <summary>The next token of <paramref name="rest"/> separated by white space, which moves past it (empty at
    /// the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> NextToken(ref ReadOnlySpan<byte> rest)
    {
        int start = 0;
        while (start < rest.Length && Utf8LineReader.IsWhiteSpace(rest[start])) start++;
        int end = start;
        while (end < rest.Length && !Utf8LineReader.IsWhiteSpace(rest[end])) end++;
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
