using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams a delimited text file (header row unless told otherwise; numeric cells; comma, semicolon, tab or
/// whitespace separated; quoted fields, BOM, CRLF and blank lines accepted) into a data file in constant memory.
/// Every malformed line is an <see cref="InputFileException"/> naming the line and column.
/// </summary>
public sealed class CsvConverter(string inputPath, string? label, string? separator, bool hasHeader,
    string? weight = null,
    ElementType elementType = ElementType.Float64)
{
    /// <summary>The label column's name once <see cref="Convert"/> has run.</summary>
    public string LabelName { get; private set; } = "";

    /// <summary>Converts to <paramref name="outputPath"/>; returns the written header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DataFileHeader Convert(string outputPath)
    {
        using var stream = InputFile.OpenRead(inputPath);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        long lineNumber = 0;
        string? first = NextLine(reader, ref lineNumber);
        if (first is null) throw new InputFileException(inputPath,
            "no data: the file is empty or has only blank lines");
        char? sep = ParseSeparator(separator) ?? Detect(first);
        var firstFields = Split(first, sep, lineNumber);
        string[] columns = hasHeader ? firstFields.Select(f => f.Trim()).ToArray()
            : firstFields.Select((_, i) => $"c{i}").ToArray();
        if (columns.Length < 2) throw new InputFileException(inputPath,
            $"line {lineNumber}: only {columns.Length} column; need at least one feature and a label (separator " +
            $"'{Show(sep)}')");
        if (hasHeader) RefuseDuplicateNames(columns, lineNumber);
        int labelIndex = LabelIndex(columns);
        LabelName = columns[labelIndex];
        int weightIndex = weight is null ? -1 : ColumnIndex(columns, weight, "weight");
        if (weightIndex == labelIndex) throw new InputFileException(inputPath,
            $"the weight column '{weight}' is also the label column");
        var names = columns.Where((_, i) => i != labelIndex && i != weightIndex).ToArray();
        if (names.Length == 0) throw new InputFileException(inputPath,
            "no feature columns left besides the label and the weight");
        var features = new double[names.Length];
        using var writer = new DataFileWriter(outputPath, names.Length, names, weights: weightIndex >= 0,
            elementType: elementType);
        string? line = hasHeader ? NextLine(reader, ref lineNumber) : first;
        for (; line is not null; line = NextLine(reader, ref lineNumber))
        {
            var fields = Split(line, sep, lineNumber);
            if (fields.Length != columns.Length)
                throw new InputFileException(inputPath,
                    $"line {lineNumber}: {fields.Length} fields, but the {(hasHeader ? "header" : "first line")} " +
                    $"has {columns.Length}");
            double labelValue = 0, weightValue = 1;
            for (int c = 0, j = 0; c < fields.Length; c++)
            {
                double v = ParseCell(fields[c], lineNumber, columns[c]);
                if (c == labelIndex) labelValue = v;
                else if (c == weightIndex)
                {
                    if (v < 0) throw new InputFileException(inputPath,
                        $"line {lineNumber}, column '{columns[c]}': weight {v} is negative");
                    weightValue = v;
                }
                else features[j++] = v;
            }
            writer.WriteRow(features, labelValue, weightValue);
        }
        if (writer.Rows == 0) throw new InputFileException(inputPath, "no data rows after the header");
        return writer.Complete();
    }

    private void RefuseDuplicateNames(string[] columns, long lineNumber)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Length; c++)
            if (!seen.TryAdd(columns[c], c))
                throw new InputFileException(inputPath, $"line {lineNumber}: columns {seen[columns[c]] + 1} and " +
                    $"{c + 1} are both named '{columns[c]}'; column names must be unique");
    }

    private int LabelIndex(string[] columns) => label is null ? columns.Length - 1 : ColumnIndex(columns, label,
        "label");

    private int ColumnIndex(string[] columns, string label, string role)
    {
        int byName = Array.IndexOf(columns, label);
        if (byName >= 0) return byName;
        if (int.TryParse(label, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
        {
            if (index < 0) index += columns.Length;
            if (index >= 0 && index < columns.Length) return index;
        }
        throw new InputFileException(inputPath,
            $"{role} column '{label}' not found; columns are: {string.Join(", ", columns)}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double ParseCell(string cell, long line, string column)
    {
        var text = cell.Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new InputFileException(inputPath,
                $"line {line}, column '{column}': '{Truncate(text)}' is not a number");
        if (!double.IsFinite(v)) throw new InputFileException(inputPath,
            $"line {line}, column '{column}': {text} is not finite");
        if (!DataFileWriter.Fits(v, elementType))
            throw new InputFileException(inputPath,
                $"line {line}, column '{column}': {text} is beyond float32's range (±3.4e38); convert with --dtype " +
                $"float64");
        return v;
    }

    private static string? NextLine(StreamReader reader, ref long lineNumber)
    {
        string? line;
        do { line = reader.ReadLine(); lineNumber++; } while (line is not null && string.IsNullOrWhiteSpace(line));
        return line;
    }

    private static char? ParseSeparator(string? text) => text switch
    {
        null => null,
        "tab" or "\\t" => '\t',
        "space" or "whitespace" => ' ',
        { Length: 1 } => text[0],
        _ => throw new UsageException($"--separator must be one character, 'tab' or 'space'; got '{text}'"),
    };

    private static char? Detect(string header) =>
        header.Contains(',') ? ',' : header.Contains(';') ? ';' : header.Contains('\t') ? '\t' : ' ';

    /// <summary>Splits one line; ' ' means runs of whitespace. Double quotes enclose fields ("" is a quote).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string[] Split(string line, char? separator, long lineNumber)
    {
        if (separator == ' ') return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == separator) { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        if (quoted) throw new InputFileException(inputPath, $"line {lineNumber}: unterminated quoted field");
        fields.Add(current.ToString());
        return fields.ToArray();
    }

    private static string Show(char? sep) => sep switch { '\t' => "tab", ' ' => "whitespace", _ => sep.ToString()! };
    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
