using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams a delimited text file (header row unless told otherwise; numeric cells; comma, semicolon, tab or
/// whitespace separated; quoted fields, BOM, CRLF and blank lines accepted) into a data file in constant memory.
/// Every malformed line is an <see cref="InputFileException"/> naming the line and column. A label column that is not
/// numeric ("yes"/"no", "Rad.Flow") holds class names: a first pass collects them, sorted in ordinal order (as
/// scikit-learn's LabelEncoder does) unless <c>classes</c> gives the order, and each row's label is its class's index;
/// the names are kept in the data file.
/// </summary>
public sealed class CsvConverter(string inputPath, string? label, string? separator, bool hasHeader,
    string? weight = null,
    ElementType elementType = ElementType.Float64, IReadOnlyList<string>? classes = null)
{
    /// <summary>The label column's name once <see cref="Convert"/> has run.</summary>
    public string LabelName { get; private set; } = "";

    /// <summary>The class names when the labels were text (empty for numeric labels), once <see cref="Convert"/> has
    /// run.</summary>
    public IReadOnlyList<string> ClassNames { get; private set; } = [];

    /// <summary>Converts to <paramref name="outputPath"/>; returns the written header.</summary>
    public DataFileHeader Convert(string outputPath)
    {
        if (classes is not null) return Write(outputPath, Classes(classes));
        try { return Write(outputPath, null); }
        catch (TextLabelException) { return Write(outputPath, Classes(CollectLabels())); }
    }

    /// <summary>The index of each class name, in the given order.</summary>
    private Dictionary<string, int> Classes(IReadOnlyList<string> names)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in names)
            if (name.Length == 0 || name.Contains('\n') || !map.TryAdd(name, map.Count))
                throw new UsageException($"--classes: '{name}' is empty, repeated or holds a line break");
        if (map.Count > DataFileHeader.MaxClassNames)
            throw new InputFileException(inputPath, $"the label column has {map.Count} distinct values, more than " +
                $"the {DataFileHeader.MaxClassNames} classes a data file may name: is it really the label?");
        return map;
    }

    /// <summary>The first pass of text labels: every distinct label, in ordinal order.</summary>
    private string[] CollectLabels()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (lineNumber, fields, labelIndex) in Records(null))
        {
            var text = fields[labelIndex].Trim();
            if (text.Length == 0) throw new InputFileException(inputPath, $"line {lineNumber}: the label is empty");
            if (seen.Add(text) && seen.Count > DataFileHeader.MaxClassNames)
                throw new InputFileException(inputPath, $"line {lineNumber}: more than " +
                    $"{DataFileHeader.MaxClassNames} distinct labels: is the label column '{LabelName}' really " +
                    "the label?");
        }
        return seen.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Thrown by the numeric pass at the first label that is not a number: the labels are class
    /// names.</summary>
    private sealed class TextLabelException : Exception;

    /// <summary>The data lines as fields, after the header checks: each with its 1-based line number and the label
    /// column's index. <paramref name="start"/> receives the columns, the label's and the weight's index (−1: none)
    /// before the first line.</summary>
    private IEnumerable<(long Line, string[] Fields, int LabelIndex)> Records(Action<string[], int, int>? start)
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
        start?.Invoke(columns, labelIndex, weightIndex);
        string? line = hasHeader ? NextLine(reader, ref lineNumber) : first;
        for (; line is not null; line = NextLine(reader, ref lineNumber))
        {
            var fields = Split(line, sep, lineNumber);
            if (fields.Length != columns.Length)
                throw new InputFileException(inputPath,
                    $"line {lineNumber}: {fields.Length} fields, but the {(hasHeader ? "header" : "first line")} " +
                    $"has {columns.Length}");
            yield return (lineNumber, fields, labelIndex);
        }
    }

    /// <summary>One pass that writes the file: labels as numbers, or (<paramref name="classMap"/>) as class
    /// indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DataFileHeader Write(string outputPath, Dictionary<string, int>? classMap)
    {
        string[] columns = [];
        int weightIndex = -1;
        DataFileWriter? writer = null;
        double[] features = [];
        var classNames = classMap?.OrderBy(p => p.Value).Select(p => p.Key).ToArray() ?? [];
        try
        {
            foreach (var (lineNumber, fields, labelIndex) in Records((all, labelAt, weightAt) =>
            {
                (columns, weightIndex) = (all, weightAt);
                var names = all.Where((_, i) => i != labelAt && i != weightAt).ToArray();
                if (names.Length == 0) throw new InputFileException(inputPath,
                    "no feature columns left besides the label and the weight");
                features = new double[names.Length];
                writer = new DataFileWriter(outputPath, names.Length, names, weights: weightAt >= 0,
                    elementType: elementType, classNames: classNames);
            }))
            {
                double labelValue = 0, weightValue = 1;
                for (int c = 0, j = 0; c < fields.Length; c++)
                {
                    double v;
                    if (c == labelIndex && classMap is not null)
                    {
                        var text = fields[c].Trim();
                        if (!classMap.TryGetValue(text, out int index))
                            throw new InputFileException(inputPath, $"line {lineNumber}, column '{columns[c]}': " +
                                $"'{Truncate(text)}' is not one of the classes {string.Join(", ", classNames)}");
                        v = index;
                    }
                    else if (c == labelIndex && !IsNumber(fields[c])) throw new TextLabelException();
                    else v = ParseCell(fields[c], lineNumber, columns[c]);
                    if (c == labelIndex) labelValue = v;
                    else if (c == weightIndex)
                    {
                        if (v < 0) throw new InputFileException(inputPath,
                            $"line {lineNumber}, column '{columns[c]}': weight {v} is negative");
                        weightValue = v;
                    }
                    else features[j++] = v;
                }
                writer!.WriteRow(features, labelValue, weightValue);
            }
            if (writer!.Rows == 0) throw new InputFileException(inputPath, "no data rows after the header");
            ClassNames = classNames;
            return writer.Complete();
        }
        finally { writer?.Dispose(); }
    }

    /// <summary>Whether a label cell is a number (else the labels are class names); an empty cell counts as one, so
    /// that the numeric pass reports it.</summary>
    private static bool IsNumber(string cell)
    {
        var text = cell.Trim();
        return text.Length == 0 || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
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
