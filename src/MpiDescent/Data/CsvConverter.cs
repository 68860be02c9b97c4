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
/// <para>With <c>hashBits</c> B the file is written sparse with 2^B features, as Vowpal Wabbit hashes: a numeric
/// column's value goes to the feature of its name, and each column named in <c>categorical</c> is one-hot: value s of
/// column c sets the feature of "c=s" to 1 (<see cref="FeatureHash.OfText"/>); values that share a feature in a row are
/// added, and <see cref="Collisions"/> counts the distinct inputs that share one with another.</para>
public sealed class CsvConverter(string inputPath, string? label, string? separator, bool hasHeader,
    string? weight = null,
    ElementType elementType = ElementType.Float64, IReadOnlyList<string>? classes = null, int? hashBits = null,
    IReadOnlyList<string>? categorical = null)
{
    /// <summary>With hashing: distinct inputs (numeric columns and column=value pairs) seen, once
    /// <see cref="Convert"/> has run.</summary>
    public long DistinctInputs { get; private set; }

    /// <summary>With hashing: distinct inputs whose feature another distinct input also maps to.</summary>
    public long Collisions { get; private set; }

    private string InputPath => inputPath;
    private ElementType Storage => elementType;
    private IReadOnlyList<string> CategoricalColumns => categorical ?? [];

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
            var text = fields.Text(labelIndex);
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
    /// The fields are the line's bytes (quotes removed) in one reused <see cref="CsvFields"/>: no string per line or
    /// cell, unless a cell is text (class labels, categorical values) or an error message needs it.
    private IEnumerable<(long Line, CsvFields Fields, int LabelIndex)> Records(Action<string[], int, int>? start)
    {
        using var reader = new Utf8LineReader(inputPath);
        var fields = new CsvFields();
        byte sep = NextRecord(reader, ParseSeparator(separator), fields) ?? throw new InputFileException(inputPath,
            "no data: the file is empty or has only blank lines");
        long lineNumber = reader.LineNumber;
        string[] columns = Enumerable.Range(0, fields.Count).Select(c => hasHeader ? fields.Text(c) : $"c{c}")
            .ToArray();
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
        if (!hasHeader) yield return (lineNumber, fields, labelIndex);
        while (NextRecord(reader, sep, fields) is not null)
        {
            lineNumber = reader.LineNumber;
            if (fields.Count != columns.Length)
                throw new InputFileException(inputPath,
                    $"line {lineNumber}: {fields.Count} fields, but the {(hasHeader ? "header" : "first line")} " +
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
        Hashing? hashing = null;
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
                if (hashBits is int bits)
                {
                    hashing = new Hashing(this, outputPath, all, labelAt, weightAt, bits, classNames);
                    return;
                }
                features = new double[names.Length];
                writer = new DataFileWriter(outputPath, names.Length, names, weights: weightAt >= 0,
                    elementType: elementType, classNames: classNames);
            }))
            {
                if (hashing is not null)
                {
                    hashing.Write(fields, lineNumber, Label(fields, labelIndex, lineNumber, classMap, classNames),
                        weightIndex < 0 ? 1 : Weight(fields[weightIndex], lineNumber, columns[weightIndex]));
                    continue;
                }
                double labelValue = 0, weightValue = 1;
                for (int c = 0, j = 0; c < fields.Count; c++) // left to right: a line's first error is reported
                {
                    if (c == labelIndex) labelValue = Label(fields, labelIndex, lineNumber, classMap, classNames);
                    else if (c == weightIndex) weightValue = Weight(fields[c], lineNumber, columns[c]);
                    else features[j++] = ParseCell(fields[c], lineNumber, columns[c]);
                }
                writer!.WriteRow(features, labelValue, weightValue);
            }
            ClassNames = classNames;
            if (hashing is not null) return hashing.Complete();
            if (writer!.Rows == 0) throw new InputFileException(inputPath, "no data rows after the header");
            return writer.Complete();
        }
        finally
        {
            writer?.Dispose();
            hashing?.Dispose();
        }
    }

    /// <summary>A row's label: its class's index, or its number (the numeric pass stops at text).</summary>
    private double Label(CsvFields fields, int labelIndex, long lineNumber, Dictionary<string, int>? classMap,
        string[] classNames)
    {
        if (classMap is null)
            return IsNumber(fields[labelIndex]) ? ParseCell(fields[labelIndex], lineNumber, LabelName)
                : throw new TextLabelException();
        var text = fields.Text(labelIndex);
        return classMap.TryGetValue(text, out int index) ? index
            : throw new InputFileException(inputPath, $"line {lineNumber}, column '{LabelName}': " +
                $"'{Truncate(text)}' is not one of the classes {string.Join(", ", classNames)}");
    }

    private double Weight(ReadOnlySpan<byte> cell, long lineNumber, string column)
    {
        double v = ParseCell(cell, lineNumber, column);
        return v >= 0 ? v : throw new InputFileException(inputPath,
            $"line {lineNumber}, column '{column}': weight {v} is negative");
    }

    /// <summary>The hashed, sparse output of <see cref="Write"/>: each row's entries, merged by feature, and the
    /// count of distinct inputs that collide.</summary>
    private sealed class Hashing : IDisposable
    {
        private readonly CsvConverter _owner;
        private readonly SparseDataFileWriter _writer;
        private readonly string[] _columns;
        private readonly int _labelAt, _weightAt, _bits;
        private readonly bool[] _categorical;
        private readonly int[] _numericFeature;
        private readonly Dictionary<int, string> _owners = [];
        private readonly HashSet<string> _inputs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _collided = new(StringComparer.Ordinal);
        private readonly List<(int Feature, double Value)> _entries = [];
        private int[] _indices = new int[16];
        private double[] _values = new double[16];

        public Hashing(CsvConverter owner, string outputPath, string[] columns, int labelAt, int weightAt, int bits,
            string[] classNames)
        {
            (_owner, _columns, _labelAt, _weightAt, _bits) = (owner, columns, labelAt, weightAt, bits);
            _categorical = new bool[columns.Length];
            foreach (var name in owner.CategoricalColumns)
            {
                int c = owner.ColumnIndex(columns, name, "categorical");
                if (c == labelAt || c == weightAt)
                    throw new InputFileException(owner.InputPath, $"the categorical column '{name}' is the label " +
                        "or weight column");
                _categorical[c] = true;
            }
            _numericFeature = new int[columns.Length];
            for (int c = 0; c < columns.Length; c++)
                if (c != labelAt && c != weightAt && !_categorical[c]) _numericFeature[c] = Note(columns[c]);
            _writer = new SparseDataFileWriter(outputPath, 1 << bits, weights: weightAt >= 0,
                elementType: owner.Storage, classNames: classNames);
        }

        /// <summary>The feature of <paramref name="input"/>, noting whether it collides with another input's.</summary>
        private int Note(string input)
        {
            int feature = FeatureHash.OfText(input, _bits);
            if (!_inputs.Add(input)) return feature;
            if (!_owners.TryAdd(feature, input))
            {
                _collided.Add(input);
                _collided.Add(_owners[feature]);
            }
            return feature;
        }

        public void Write(CsvFields fields, long lineNumber, double label, double weight)
        {
            _entries.Clear();
            for (int c = 0; c < fields.Count; c++)
            {
                if (c == _labelAt || c == _weightAt) continue;
                if (_categorical[c])
                {
                    var text = fields.Text(c);
                    if (text.Length > 0) _entries.Add((Note($"{_columns[c]}={text}"), 1));
                    continue;
                }
                double v = _owner.ParseCell(fields[c], lineNumber, _columns[c]);
                if (v != 0) _entries.Add((_numericFeature[c], v));
            }
            FeatureHash.Merge(_entries);
            if (_indices.Length < _entries.Count)
                (_indices, _values) = (new int[2 * _entries.Count], new double[2 * _entries.Count]);
            int n = 0;
            foreach (var (feature, value) in _entries)
                if (value != 0) (_indices[n], _values[n++]) = (feature, value);
            _writer.WriteRow(_indices.AsSpan(0, n), _values.AsSpan(0, n), label, weight);
        }

        public DataFileHeader Complete()
        {
            if (_writer.Rows == 0) throw new InputFileException(_owner.InputPath, "no data rows after the header");
            (_owner.DistinctInputs, _owner.Collisions) = (_inputs.Count, _collided.Count);
            return _writer.Complete();
        }

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>Whether a label cell is a number (else the labels are class names); an empty cell counts as one, so
    /// that the numeric pass reports it.</summary>
    private static bool IsNumber(ReadOnlySpan<byte> cell)
    {
        var text = cell.Trim(Utf8LineReader.WhiteSpace);
        return text.Length == 0 || Utf8Number.TryParseDouble(text, out _);
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
    private double ParseCell(ReadOnlySpan<byte> cell, long line, string column)
    {
        if (Utf8Number.TryParseDouble(cell, out double v) && double.IsFinite(v) && DataFileWriter.Fits(v, elementType))
            return v;
        var text = cell.Trim(Utf8LineReader.WhiteSpace);
        if (!Utf8Number.TryParseDouble(text, out v))
            throw new InputFileException(inputPath,
                $"line {line}, column '{column}': '{Truncate(Encoding.UTF8.GetString(text))}' is not a number");
        if (!double.IsFinite(v)) throw new InputFileException(inputPath,
            $"line {line}, column '{column}': {Encoding.UTF8.GetString(text)} is not finite");
        if (!DataFileWriter.Fits(v, elementType))
            throw new InputFileException(inputPath,
                $"line {line}, column '{column}': {Encoding.UTF8.GetString(text)} is beyond float32's range " +
                "(±3.4e38); convert with --dtype float64");
        return v;
    }

    /// <summary>Splits the next line that is not blank into <paramref name="fields"/>, by
    /// <paramref name="separator"/> or (none given) the one its text suggests; returns the separator, or null at the
    /// end of the file.</summary>
    private byte? NextRecord(Utf8LineReader reader, byte? separator, CsvFields fields)
    {
        while (reader.TryReadLine(out var line))
        {
            if (line.Trim(Utf8LineReader.WhiteSpace).IsEmpty) continue;
            byte sep = separator ?? Detect(line);
            Split(line, sep, reader.LineNumber, fields);
            return sep;
        }
        return null;
    }

    private static byte? ParseSeparator(string? text) => text switch
    {
        null => null,
        "tab" or "\\t" => (byte)'\t',
        "space" or "whitespace" => (byte)' ',
        { Length: 1 } when text[0] < 128 => (byte)text[0],
        _ => throw new UsageException($"--separator must be one ASCII character, 'tab' or 'space'; got '{text}'"),
    };

    private static byte Detect(ReadOnlySpan<byte> header) =>
        header.Contains((byte)',') ? (byte)',' : header.Contains((byte)';') ? (byte)';'
        : header.Contains((byte)'\t') ? (byte)'\t' : (byte)' ';

    /// <summary>Splits one line into <paramref name="fields"/>; ' ' means runs of spaces and tabs. Double quotes
    /// enclose fields ("" is a quote).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split(ReadOnlySpan<byte> line, byte separator, long lineNumber, CsvFields fields)
    {
        fields.Clear(line.Length);
        if (separator == ' ')
        {
            for (int i = 0; i < line.Length;)
            {
                while (i < line.Length && CsvFields.IsBlank(line[i])) i++;
                int start = i;
                while (i < line.Length && !CsvFields.IsBlank(line[i])) i++;
                if (i > start) fields.Add(line[start..i]);
            }
            return;
        }
        for (int i = 0; ; i++)
        {
            int end = line[i..].IndexOfAny(separator, (byte)'"');
            if (end < 0 || line[i + end] == separator)
            {
                int stop = end < 0 ? line.Length : i + end;
                fields.Add(line[i..stop]);
                if (end < 0) return;
                i = stop;
                continue;
            }
            i = SplitQuoted(line, i, separator, lineNumber, fields);
            if (i == line.Length) return;
        }
    }

    /// <summary>A field with quotes, from <paramref name="start"/>: its text unquoted into
    /// <paramref name="fields"/>; returns the position of the separator that ends it (or the line's length).</summary>
    private int SplitQuoted(ReadOnlySpan<byte> line, int start, byte separator, long lineNumber, CsvFields fields)
    {
        fields.Begin();
        bool quoted = false;
        int i = start;
        for (; i < line.Length; i++)
        {
            byte ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { fields.Append(ch); i++; }
                else if (ch == '"') quoted = false;
                else fields.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == separator) break;
            else fields.Append(ch);
        }
        if (quoted) throw new InputFileException(inputPath, $"line {lineNumber}: unterminated quoted field");
        fields.End();
        return i;
    }

    /// <summary>One line's fields: their bytes, quotes removed, back to back in one buffer reused for every
    /// line.</summary>
    private sealed class CsvFields
    {
        private byte[] _bytes = new byte[4096];
        private int[] _starts = new int[64], _ends = new int[64];
        private int _used;

        /// <summary>Whether <paramref name="b"/> separates fields when the separator is white space.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsBlank(byte b) => b == ' ' || b == '\t';

        /// <summary>Fields on the line.</summary>
        public int Count { get; private set; }

        /// <summary>Field <paramref name="c"/>'s bytes, untrimmed.</summary>
        public ReadOnlySpan<byte> this[int c] => _bytes.AsSpan(_starts[c], _ends[c] - _starts[c]);

        /// <summary>Field <paramref name="c"/> as text, trimmed.</summary>
        public string Text(int c) => Encoding.UTF8.GetString(this[c].Trim(Utf8LineReader.WhiteSpace));

        /// <summary>Empties the fields for a line of <paramref name="length"/> bytes.</summary>
        public void Clear(int length)
        {
            if (_bytes.Length < length) _bytes = new byte[Math.Max(length, 2 * _bytes.Length)];
            (Count, _used) = (0, 0);
        }

        /// <summary>Appends a field.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ReadOnlySpan<byte> field)
        {
            Begin();
            field.CopyTo(_bytes.AsSpan(_used));
            _used += field.Length;
            End();
        }

        /// <summary>Starts a field appended byte by byte.</summary>
        public void Begin()
        {
            if (Count == _starts.Length)
            {
                Array.Resize(ref _starts, 2 * Count);
                Array.Resize(ref _ends, 2 * Count);
            }
            _starts[Count] = _used;
        }

        /// <summary>Appends a byte to the field begun.</summary>
        public void Append(byte b) => _bytes[_used++] = b;

        /// <summary>Ends the field begun.</summary>
        public void End() => _ends[Count++] = _used;
    }

    private static string Show(byte sep) => sep switch
    {
        (byte)'\t' => "tab",
        (byte)' ' => "whitespace",
        _ => ((char)sep).ToString(),
    };
    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
