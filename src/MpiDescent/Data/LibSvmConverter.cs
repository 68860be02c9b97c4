using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams LIBSVM/svmlight text (<c>label index:value ...</c>, 1-based increasing indices, '#' comments) into a dense
/// data file in constant memory: a first pass finds the feature count (unless given), a second writes the rows.
/// </summary>
public sealed class LibSvmConverter(string inputPath, int? features, ElementType elementType = ElementType.Float64)
{
    /// <summary>Converts to <paramref name="outputPath"/>; returns the written header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DataFileHeader Convert(string outputPath)
    {
        int d = features ?? Scan(null);
        var row = new double[d];
        var names = Enumerable.Range(1, d).Select(i => $"f{i}").ToArray();
        using var writer = new DataFileWriter(outputPath, d, names, elementType: elementType);
        Scan((label, entries) =>
        {
            Array.Clear(row);
            foreach (var (index, value) in entries)
            {
                if (index > d) throw new InputFileException(inputPath, $"feature index {index} exceeds --features {d}");
                row[index - 1] = value;
            }
            writer.WriteRow(row, label);
        });
        if (writer.Rows == 0) throw new InputFileException(inputPath, "no data rows");
        return writer.Complete();
    }

    /// <summary>Parses every line, passing each row to <paramref name="onRow"/>; returns the largest index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Scan(Action<double, List<(int, double)>>? onRow)
    {
        using var stream = InputFile.OpenRead(inputPath);
        using var reader = new StreamReader(stream, Encoding.UTF8, true, 1 << 16);
        int maxIndex = 0;
        long lineNumber = 0;
        var entries = new List<(int, double)>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            int hash = line.IndexOf('#');
            var tokens = (hash >= 0 ? line[..hash] : line).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) continue;
            double label = Number(tokens[0], lineNumber, "label");
            entries.Clear();
            int previous = 0;
            foreach (var token in tokens.Skip(1))
            {
                int colon = token.IndexOf(':');
                if (colon <= 0 || !int.TryParse(token.AsSpan(0, colon), NumberStyles.None,
                    CultureInfo.InvariantCulture, out int index))
                    throw new InputFileException(inputPath, $"line {lineNumber}: '{token}' is not index:value");
                if (index == 0) throw new InputFileException(inputPath,
                    $"line {lineNumber}: feature index 0; LIBSVM indices start at 1");
                if (index <= previous) throw new InputFileException(inputPath,
                    $"line {lineNumber}: index {index} after {previous}; indices must increase");
                previous = index;
                entries.Add((index, Number(token[(colon + 1)..], lineNumber, $"feature {index}")));
            }
            maxIndex = Math.Max(maxIndex, previous);
            onRow?.Invoke(label, entries);
        }
        if (onRow is null && lineNumber == 0) throw new InputFileException(inputPath, "the file is empty");
        if (onRow is null && maxIndex == 0) throw new InputFileException(inputPath, "no features in any row");
        return maxIndex;
    }

    private double Number(string text, long line, string what)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            || !double.IsFinite(v))
            throw new InputFileException(inputPath, $"line {line}: {what} '{text}' is not a finite number");
        if (!DataFileWriter.Fits(v, elementType))
            throw new InputFileException(inputPath,
                $"line {line}: {what} '{text}' is beyond float32's range (±3.4e38); convert with --dtype float64");
        return v;
    }
}
