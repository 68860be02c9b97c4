using System.Numerics;
using MpiDescent.IO;
using Parquet;
using Parquet.Schema;

namespace MpiDescent.Data;

/// <summary>
/// <c>convert data.parquet out.bin [--label COL] [--weight COL]</c>: a Parquet file (read with Parquet.Net) to a data
/// file with the columns' names, one row group at a time (memory: a row group's values as float64, at most
/// <see cref="MaxRowGroupValues"/>, not the file's). Every top-level numeric column is a feature except the label
/// (by name or 0-based index; default the last column) and the weight column: boolean, signed and unsigned integers
/// of 8 to 64 bits, float, double and decimal. A null is an error naming the column and the 1-based row, unless
/// <see cref="FillMissing"/> says how to fill the features' (labels and weights are never filled), as are
/// non-finite values, negative weights and 64-bit integers float64 cannot hold exactly.
/// <para>With <see cref="HashBits"/> B the file is sparse with 2^B features, hashed as for CSV: a numeric column's
/// value at the hash of its name, and each <see cref="Categorical"/> string column one-hot, value s of column c at the
/// hash of "c=s" (<see cref="FeatureHash.OfText"/>). With <see cref="Indices"/> and <see cref="Values"/>, two list
/// columns (a list of integer feature indices, 0-based, and a list of numbers, of the same length in every row) are
/// each row's sparse entries, in any order; the file is sparse, with the largest index + 1 features (or <see
/// cref="Features"/>), or hashed into 2^B with <see cref="HashBits"/> (the key of index k as for LIBSVM,
/// <see cref="FeatureHash.OfIndex"/>). Lists need data pages of Parquet's version 1 (what Spark, pyarrow and
/// Parquet.Net write by default): Parquet.Net 6.1 does not read repeated columns from version 2 pages.</para>
/// </summary>
/// <param name="Label">The label column's name or 0-based index (null: the last column).</param>
/// <param name="Weight">The example-weight column (null: none).</param>
/// <param name="ElementType">The storage of every value.</param>
public sealed record ParquetConversion(string? Label, string? Weight, ElementType ElementType)
{
    /// <summary>How a null feature value is filled: null (refuse nulls), "zero", "mean" (the column's mean over its
    /// values, found in a first pass) or a number. A null categorical cell or list then sets no feature.</summary>
    public string? FillMissing { get; init; }

    /// <summary>Hash the features into 2^B (null: no hashing).</summary>
    public int? HashBits { get; init; }

    /// <summary>String columns one-hot by hashing (with <see cref="HashBits"/>).</summary>
    public IReadOnlyList<string> Categorical { get; init; } = [];

    /// <summary>The list column of each row's feature indices (0-based), with <see cref="Values"/>.</summary>
    public string? Indices { get; init; }

    /// <summary>The list column of each row's values at <see cref="Indices"/>.</summary>
    public string? Values { get; init; }

    /// <summary>With list columns and no hashing: the feature count (null: the largest index + 1).</summary>
    public int? Features { get; init; }

    /// <summary>The most values of one row group held at once (4 GiB of float64; Parquet writers default to row
    /// groups of 64 to 128 MiB).</summary>
    public const long MaxRowGroupValues = 1L << 29;

    /// <summary>Whether <paramref name="path"/> is Parquet: its name ends in .parquet or .pq, or it starts with the
    /// magic PAR1.</summary>
    public static bool IsParquet(string path)
    {
        return Path.GetExtension(path).ToLowerInvariant() is ".parquet" or ".pq"
            || InputFile.ReadStart(path, 4).AsSpan().SequenceEqual("PAR1"u8);
    }

    /// <summary>Converts <paramref name="input"/> into the data file <paramref name="target"/> (written
    /// atomically).</summary>
    /// <returns>The header written and a phrase naming the label and the row groups, starting with ", ".</returns>
    /// <exception cref="InputFileException">The file is unreadable or not Parquet, a column is missing or not
    /// numeric, or a value is null or invalid.</exception>
    public (DataFileHeader Header, string Note) Convert(string input, string target)
    {
        using var stream = InputFile.OpenRead(input);
        var reader = Guard(input, "", () => OpenWithin(stream, input));
        try { return Convert(input, target, reader); }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>What a column is for.</summary>
    private enum Role { Feature, Label, Weight, Categorical, Indices, Values }

    private (DataFileHeader Header, string Note) Convert(string input, string target, ParquetReader reader)
    {
        var fields = Guard(input, "", () => reader.Schema.Fields.ToArray());
        var names = fields.Select(f => f.Name).ToArray();
        var roles = new Role[fields.Length];
        int labelAt = Label is null ? fields.Length - 1 : ColumnIndex(input, names, Label, "label");
        int weightAt = Weight is null ? -1 : ColumnIndex(input, names, Weight, "weight");
        if (weightAt == labelAt)
            throw new InputFileException(input, $"the weight column '{Weight}' is also the label column");
        int indicesAt = Indices is null ? -1 : ColumnIndex(input, names, Indices, "indices");
        int valuesAt = Values is null ? -1 : ColumnIndex(input, names, Values, "values");
        bool lists = indicesAt >= 0;
        foreach (var (at, role) in new[] { (labelAt, Role.Label), (weightAt, Role.Weight), (indicesAt, Role.Indices),
                     (valuesAt, Role.Values) })
        {
            if (at < 0) continue;
            if (roles[at] != Role.Feature)
                throw new InputFileException(input, $"column '{names[at]}' is given as the {roles[at].ToString()
                    .ToLowerInvariant()} and the {role.ToString().ToLowerInvariant()} column");
            roles[at] = role;
        }
        foreach (var name in Categorical)
        {
            int c = ColumnIndex(input, names, name, "categorical");
            if (roles[c] != Role.Feature)
                throw new InputFileException(input, $"the categorical column '{name}' is the {roles[c].ToString()
                    .ToLowerInvariant()} column");
            roles[c] = Role.Categorical;
        }
        var columns = new DataField[fields.Length];
        for (int c = 0; c < fields.Length; c++) columns[c] = Column(input, fields[c], roles[c]);
        var featureColumns = Enumerable.Range(0, fields.Length).Where(c => roles[c] == Role.Feature).ToArray();
        var categorical = Enumerable.Range(0, fields.Length).Where(c => roles[c] == Role.Categorical).ToArray();
        if (lists && featureColumns.Length + categorical.Length > 0)
            throw new InputFileException(input, $"with --indices and --values the lists are the features, so column "
                + $"'{names[featureColumns.Concat(categorical).First()]}' would be left out: drop it from the file, "
                + "or make it the label or the weight");
        if (!lists && featureColumns.Length + categorical.Length == 0)
            throw new InputFileException(input, "has no feature columns besides the label and the weight");
        var fill = FillValues(input, reader, columns, featureColumns);
        bool sparse = HashBits is not null || lists;
        int features = HashBits is int bits ? 1 << bits : lists ? Features ?? DataFileHeader.MaxSparseFeatures
            : featureColumns.Length;
        using var dense = sparse ? null : new DataFileWriter(target, features,
            featureColumns.Select(c => names[c]).ToArray(), weights: weightAt >= 0, elementType: ElementType);
        using var sparseWriter = sparse ? new SparseDataFileWriter(target, features, weights: weightAt >= 0,
            elementType: ElementType) : null;
        var hashing = HashBits is int b ? new HashedInputs(b) : null;
        long firstRow = 0, filled = 0;
        var row = new double[featureColumns.Length];
        var entries = new List<(int Feature, double Value)>();
        int[] entryIndices = new int[16];
        double[] entryValues = new double[16];
        int largest = -1;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = Guard(input, "", () => reader.OpenRowGroupReader(g));
            long rows = group.RowCount;
            if (rows < 0 || rows * fields.Length > MaxRowGroupValues)
                throw new InputFileException(input, $"row group {g + 1} claims {rows} rows of {fields.Length} columns; "
                    + $"this reader holds at most {MaxRowGroupValues} values of a row group at once (4 GiB as "
                    + "float64): write smaller row groups");
            int n = (int)rows;
            var values = new double[fields.Length][];
            var texts = new string?[fields.Length][];
            for (int c = 0; c < fields.Length; c++)
            {
                if (roles[c] is Role.Indices or Role.Values) continue;
                if (roles[c] == Role.Categorical)
                {
                    texts[c] = ReadText(input, group, columns[c], firstRow, n, FillMissing is not null, ref filled);
                    continue;
                }
                values[c] = new double[n];
                var missing = Read(input, group, columns[c], firstRow, values[c],
                    roles[c] == Role.Feature && FillMissing is not null);
                if (missing is not null)
                    for (int i = 0; i < n; i++)
                        if (missing[i]) (values[c][i], filled) = (fill[c], filled + 1);
                string column = names[c];
                long first = firstRow;
                ConvertedValues.Check(input, values[c], ElementType, c == weightAt,
                    i => $"column '{column}', row {first + i + 1}");
            }
            RowLists? rowLists = lists ? ReadLists(input, group, columns[indicesAt], columns[valuesAt], firstRow, n,
                ref filled) : null;
            for (int i = 0; i < n; i++)
            {
                double label = values[labelAt][i], weight = weightAt < 0 ? 1 : values[weightAt][i];
                if (!sparse)
                {
                    for (int j = 0; j < featureColumns.Length; j++) row[j] = values[featureColumns[j]][i];
                    dense!.WriteRow(row, label, weight);
                    continue;
                }
                entries.Clear();
                foreach (int c in featureColumns)
                    if (values[c][i] != 0) entries.Add((hashing!.Of(names[c]), values[c][i]));
                foreach (int c in categorical)
                    if (texts[c]![i] is string text) entries.Add((hashing!.Of($"{names[c]}={text}"), 1));
                if (rowLists is not null)
                    AddListEntries(input, rowLists.Value, i, firstRow, hashing, entries, Features);
                if (hashing is not null) FeatureHash.Merge(entries);
                else SortUnique(input, entries, names[indicesAt], firstRow + i);
                if (entryIndices.Length < entries.Count)
                    (entryIndices, entryValues) = (new int[2 * entries.Count], new double[2 * entries.Count]);
                int kept = 0;
                foreach (var (feature, value) in entries)
                    if (value != 0) (entryIndices[kept], entryValues[kept++]) = (feature, value);
                if (kept > 0) largest = Math.Max(largest, entryIndices[kept - 1]);
                ConvertedValues.Check(input, entryValues.AsSpan(0, kept), ElementType, false,
                    _ => $"row {firstRow + i + 1}");
                sparseWriter!.WriteRow(entryIndices.AsSpan(0, kept), entryValues.AsSpan(0, kept), label, weight);
            }
            firstRow += n;
        }
        if (firstRow == 0) throw new InputFileException(input, "has no rows");
        var header = sparse
            ? sparseWriter!.Complete(lists && hashing is null && Features is null ? Math.Max(largest + 1, 1) : null)
            : dense!.Complete();
        return (header, $", label '{names[labelAt]}'"
            + (weightAt < 0 ? "" : $", weights '{names[weightAt]}'")
            + (lists ? $", sparse rows from the lists '{names[indicesAt]}' and '{names[valuesAt]}'" : "")
            + (filled > 0 ? $", {filled} missing value{(filled == 1 ? "" : "s")} filled ({FillMissing})" : "")
            + (hashing is null ? "" : $", {hashing.Distinct} distinct inputs hashed into 2^{HashBits} features "
                + $"({hashing.Collided} share a feature with another)")
            + $", {reader.RowGroupCount} row group{(reader.RowGroupCount == 1 ? "" : "s")}");
    }

    /// <summary>The checked field of a column for its role: a flat numeric column (features, label, weight), a flat
    /// string column (categorical), or a list (the item's field).</summary>
    private DataField Column(string input, Field field, Role role)
    {
        if (role is Role.Indices or Role.Values)
        {
            if (field is not ListField { Item: DataField { IsArray: false } item })
                throw new InputFileException(input, $"the {role.ToString().ToLowerInvariant()} column '{field.Name}' "
                    + $"is a {field.SchemaType} column, not a list of numbers");
            bool integer = item.ClrType == typeof(int) || item.ClrType == typeof(long) || item.ClrType == typeof(short)
                || item.ClrType == typeof(sbyte) || item.ClrType == typeof(byte) || item.ClrType == typeof(ushort)
                || item.ClrType == typeof(uint);
            if (role == Role.Indices ? !integer : !IsNumeric(item.ClrType))
                throw new InputFileException(input, $"the {role.ToString().ToLowerInvariant()} column '{field.Name}' "
                    + $"holds {item.ClrType.Name} values, not {(role == Role.Indices ? "integers" : "numbers")}");
            return item;
        }
        if (field is ListField)
            throw new InputFileException(input, $"column '{field.Name}' is a list column: name a list of feature "
                + "indices and a list of their values with --indices and --values");
        if (field is not DataField { IsArray: false } data)
            throw new InputFileException(input, $"column '{field.Name}' is a {field.SchemaType} column (map or "
                + "struct), which this reader does not take");
        bool text = data.ClrType == typeof(string) || data.ClrType == typeof(ReadOnlyMemory<char>);
        if (role == Role.Categorical)
        {
            if (!text) throw new InputFileException(input, $"the categorical column '{field.Name}' holds "
                + $"{data.ClrType.Name} values, not text");
            return data;
        }
        if (!IsNumeric(data.ClrType))
            throw new InputFileException(input, $"column '{field.Name}' holds "
                + (text ? "text" : data.ClrType.Name + " values") + ", not numbers" + (text ? ": one-hot it by "
                    + "hashing with --categorical " + field.Name + " --hash-bits B" : ""));
        return data;
    }

    /// <summary>Each feature column's fill value for a null: 0, the given number, or (mean) the mean of its values
    /// over the whole file, found in a first pass over the columns that may hold nulls.</summary>
    private double[] FillValues(string input, ParquetReader reader, DataField[] columns, int[] featureColumns)
    {
        var fill = new double[columns.Length];
        if (FillMissing is null or "zero") return fill;
        if (FillMissing != "mean")
        {
            if (!double.TryParse(FillMissing, System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new UsageException($"--fill-missing '{FillMissing}': give zero, mean or a finite number");
            Array.Fill(fill, value);
            return fill;
        }
        var nullable = featureColumns.Where(c => columns[c].IsNullable).ToArray();
        var sums = new double[columns.Length];
        var counts = new long[columns.Length];
        long firstRow = 0;
        for (int g = 0; g < reader.RowGroupCount && nullable.Length > 0; g++)
        {
            using var group = Guard(input, "", () => reader.OpenRowGroupReader(g));
            var values = new double[(int)Math.Min(group.RowCount, MaxRowGroupValues)];
            foreach (int c in nullable)
            {
                var missing = Read(input, group, columns[c], firstRow, values, allowNulls: true);
                for (int i = 0; i < values.Length; i++)
                {
                    if (missing?[i] == true) continue;
                    sums[c] += values[i];
                    counts[c]++;
                }
            }
            firstRow += values.Length;
        }
        foreach (int c in nullable)
        {
            if (counts[c] == 0)
                throw new InputFileException(input, $"column '{columns[c].Name}' has no values to take a mean of "
                    + "(--fill-missing mean)");
            fill[c] = sums[c] / counts[c];
        }
        return fill;
    }

    /// <summary>The distinct inputs of hashing and those that share a feature with another.</summary>
    private sealed class HashedInputs(int bits)
    {
        private readonly Dictionary<string, int> _features = new(StringComparer.Ordinal);
        private readonly Dictionary<int, string> _owners = [];
        private readonly HashSet<string> _collided = new(StringComparer.Ordinal);

        public long Distinct => _features.Count;
        public long Collided => _collided.Count;

        /// <summary>The feature of <paramref name="input"/> (a column name, "column=value", or "#k" for list index
        /// k, whose feature is <see cref="FeatureHash.OfIndex"/>).</summary>
        public int Of(string input)
        {
            if (_features.TryGetValue(input, out int feature)) return feature;
            feature = input.StartsWith('#') ? FeatureHash.OfIndex(int.Parse(input.AsSpan(1),
                System.Globalization.CultureInfo.InvariantCulture), bits) : FeatureHash.OfText(input, bits);
            _features[input] = feature;
            if (!_owners.TryAdd(feature, input))
            {
                _collided.Add(input);
                _collided.Add(_owners[feature]);
            }
            return feature;
        }
    }

    /// <summary>One row group's lists: each row's entries are [Start[i], Start[i + 1]) of the indices and values
    /// (a null list has none).</summary>
    private readonly record struct RowLists(int[] Start, long[] Indices, double[] Values, string IndicesName);

    /// <summary>Reads the two list columns of a row group: each row's list of indices and of values, of the same
    /// length (a null list is an error naming the row unless nulls are filled, when it has no entries).</summary>
    private RowLists ReadLists(string input, ParquetRowGroupReader group, DataField indices, DataField values,
        long firstRow, int rows, ref long filled)
    {
        var (indexStart, indexValues, nullRows) = ReadList<long>(input, group, indices, firstRow, rows);
        var (valueStart, valueValues, nullValues) = ReadList<double>(input, group, values, firstRow, rows);
        for (int i = 0; i < rows; i++) filled += nullRows[i] || nullValues[i] ? 1 : 0;
        for (int i = 0; i < rows; i++)
            if (indexStart[i + 1] - indexStart[i] != valueStart[i + 1] - valueStart[i])
                throw new InputFileException(input, $"row {firstRow + i + 1}: {indexStart[i + 1] - indexStart[i]} "
                    + $"indices in column '{indices.Path.ToString().Split('/')[0]}' but "
                    + $"{valueStart[i + 1] - valueStart[i]} values in '{values.Path.ToString().Split('/')[0]}'");
        return new RowLists(indexStart, indexValues, valueValues, indices.Path.ToString().Split('/')[0]);
    }

    /// <summary>One list column of a row group, from its raw slots: repetition level 0 starts a row, the full
    /// definition level is an element, one below it a null element (refused), and lower an empty or a null list
    /// (a top-level list is null below definition level 1 when it may be null).</summary>
    private (int[] Start, T[] Values, bool[] NullRows) ReadList<T>(string input, ParquetRowGroupReader group,
        DataField item, long firstRow, int rows) where T : struct, INumberBase<T>
    {
        string name = item.Path.ToString().Split('/')[0];
        long slots = Guard(input, $"column '{name}'", () => group.GetMetadata(item)?.MetaData?.NumValues ?? 0);
        if (slots < rows || slots > MaxRowGroupValues)
            throw new InputFileException(input, $"column '{name}' has {slots} list entries for {rows} rows");
        var definitions = new int[slots];
        var repetitions = new int[slots];
        var raw = Raw(input, group, item, definitions, repetitions, name);
        var start = new int[rows + 1];
        var nullRows = new bool[rows];
        var values = new T[raw.Length];
        int row = -1, present = 0;
        int listDefined = item.MaxDefinitionLevel - 1 - (item.IsNullable ? 1 : 0);
        for (long k = 0; k < slots; k++)
        {
            if (repetitions[k] == 0)
            {
                if (++row >= rows)
                    throw new InputFileException(input, $"column '{name}' has more lists than the {rows} rows of its "
                        + "row group");
                start[row] = present;
            }
            else if (row < 0) throw new InputFileException(input, $"column '{name}' continues a list before any row");
            int level = definitions[k];
            if (level == item.MaxDefinitionLevel)
            {
                values[present] = T.CreateTruncating(raw[present]);
                if (!double.IsFinite(raw[present]))
                    throw new InputFileException(input, $"column '{name}', row {firstRow + row + 1}: {raw[present]} "
                        + "is not a finite number");
                present++;
            }
            else if (item.IsNullable && level == item.MaxDefinitionLevel - 1)
                throw new InputFileException(input, $"column '{name}', row {firstRow + row + 1}: a null element in "
                    + "the list");
            else if (level < listDefined)
            {
                if (FillMissing is null)
                    throw new InputFileException(input, $"column '{name}', row {firstRow + row + 1}: null (a missing "
                        + "list); give --fill-missing to read it as a row without entries, or drop the row");
                nullRows[row] = true;
            }
        }
        if (row != rows - 1)
            throw new InputFileException(input, $"column '{name}' has {row + 1} lists for the {rows} rows of its "
                + "row group");
        start[rows] = present;
        return (start, values[..present], nullRows);
    }

    /// <summary>A list column's present values as doubles (integers exactly), with its levels.</summary>
    private static double[] Raw(string input, ParquetRowGroupReader group, DataField item, int[] definitions,
        int[] repetitions, string name)
    {
        var t = item.ClrType;
        double[] Read<TRaw>() where TRaw : struct, INumberBase<TRaw>
        {
            var values = new TRaw[definitions.Length];
            // Parquet.Net 6.1 cannot read repeated columns from version 2 data pages: said plainly when the file's
            // metadata lists them, and named in the message when it does not.
            if (group.GetMetadata(item)?.MetaData?.EncodingStats?.Any(e => e.PageType == Parquet.Meta.PageType
                    .DATA_PAGE_V2) == true)
                throw new InputFileException(input, $"column '{name}' is a list in data pages of version 2, which "
                    + "Parquet.Net 6.1 does not read: write the file with version 1 data pages (pyarrow: "
                    + "data_page_version='1.0'; Spark's default)");
            Guard(input, $"list column '{name}' (read from version 1 data pages only)", () =>
                group.ReadRawAsync(item, values.AsMemory(), definitions.AsMemory(), repetitions.AsMemory()).AsTask()
                    .GetAwaiter().GetResult());
            var result = new double[values.Length];
            for (int k = 0; k < values.Length; k++)
            {
                result[k] = double.CreateTruncating(values[k]);
                if (values[k] is long l && !ConvertedValues.IsExact(l))
                    throw new InputFileException(input, $"column '{name}': {l} is beyond the integers float64 holds "
                        + "exactly (2^53)");
            }
            return result;
        }
        if (t == typeof(int)) return Read<int>();
        if (t == typeof(long)) return Read<long>();
        if (t == typeof(short)) return Read<short>();
        if (t == typeof(sbyte)) return Read<sbyte>();
        if (t == typeof(byte)) return Read<byte>();
        if (t == typeof(ushort)) return Read<ushort>();
        if (t == typeof(uint)) return Read<uint>();
        if (t == typeof(float)) return Read<float>();
        if (t == typeof(decimal)) return Read<decimal>();
        return Read<double>();
    }

    /// <summary>Row <paramref name="i"/>'s list entries: index k (0-based; below the feature count when one is
    /// given) at k, or hashed.</summary>
    private static void AddListEntries(string input, RowLists lists, int i, long firstRow, HashedInputs? hashing,
        List<(int Feature, double Value)> entries, int? features)
    {
        for (int e = lists.Start[i]; e < lists.Start[i + 1]; e++)
        {
            long index = lists.Indices[e];
            long limit = features ?? DataFileHeader.MaxSparseFeatures;
            if (index < 0 || (hashing is null && index >= limit) || index > int.MaxValue)
                throw new InputFileException(input, $"column '{lists.IndicesName}', row {firstRow + i + 1}: index "
                    + $"{index} is not a feature index (0-based, below {limit})");
            entries.Add((hashing is null ? (int)index : hashing.Of($"#{index}"), lists.Values[e]));
        }
    }

    /// <summary>Sorts a row's list entries by index; an index given twice is an error naming the row.</summary>
    private static void SortUnique(string input, List<(int Feature, double Value)> entries, string column, long row)
    {
        entries.Sort((a, b) => a.Feature.CompareTo(b.Feature));
        for (int k = 1; k < entries.Count; k++)
            if (entries[k].Feature == entries[k - 1].Feature)
                throw new InputFileException(input, $"column '{column}', row {row + 1}: index {entries[k].Feature} "
                    + "appears twice in the row");
    }

    /// <summary>A string column of a row group (null cells: an error naming the row unless <paramref
    /// name="fill"/>; then counted).</summary>
    private static string?[] ReadText(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        int rows, bool fill, ref long filled)
    {
        var texts = new string?[rows];
        Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, texts.AsMemory()).AsTask().GetAwaiter()
            .GetResult());
        for (int i = 0; i < rows; i++)
        {
            if (texts[i] is not null) continue;
            if (!fill) throw Null(input, field, firstRow + i);
            filled++;
        }
        return texts;
    }

    /// <summary>Parses the footer (the file's metadata) within a time that grows with its size: Parquet.Net 6.1
    /// loops without end on some damaged footers (found by the fuzz test), and a conversion must fail, not hang.
    /// The footer of a sound file parses in milliseconds.</summary>
    private static ParquetReader OpenWithin(FileStream stream, string input)
    {
        long footer = 0;
        if (stream.Length >= 12)
        {
            Span<byte> tail = stackalloc byte[8];
            stream.Position = stream.Length - 8;
            stream.ReadExactly(tail);
            stream.Position = 0;
            footer = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(tail);
        }
        var seconds = 10 + footer / 1_000_000.0;
        // On the thread pool: the parse may loop before its first await, which would keep CreateAsync itself from
        // returning on this thread, so that the time limit never started (a CI run hung so).
        var opening = Task.Run(() => ParquetReader.CreateAsync(stream, leaveStreamOpen: true));
        bool done;
        try { done = opening.Wait(TimeSpan.FromSeconds(seconds)); }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        if (!done)
            throw new InputFileException(input, $"its metadata (a {footer}-byte footer) did not parse within "
                + $"{seconds:F0} s: the footer is damaged (Parquet.Net loops on it)");
        return opening.GetAwaiter().GetResult();
    }

    private static bool IsNumeric(Type type) => type == typeof(bool) || type == typeof(sbyte) || type == typeof(byte)
        || type == typeof(short) || type == typeof(ushort) || type == typeof(int) || type == typeof(uint)
        || type == typeof(long) || type == typeof(ulong) || type == typeof(float) || type == typeof(double)
        || type == typeof(decimal);

    private static int ColumnIndex(string input, string[] names, string column, string what)
    {
        int byName = Array.IndexOf(names, column);
        if (byName >= 0) return byName;
        if (int.TryParse(column, out int index) && index >= 0 && index < names.Length) return index;
        throw new InputFileException(input, $"has no {what} column '{column}' (its columns: "
            + string.Join(", ", names.Select(n => $"'{n}'")) + ")");
    }

    /// <summary>A flat numeric column of a row group into <paramref name="values"/>; a null is an error naming the
    /// row unless <paramref name="allowNulls"/>, when the returned mask marks it (null: no nulls).</summary>
    private static bool[]? Read(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values, bool allowNulls = false)
    {
        var t = field.ClrType;
        if (t == typeof(bool)) return ReadBool(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(sbyte)) return Read<sbyte>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(byte)) return Read<byte>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(short)) return Read<short>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(ushort)) return Read<ushort>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(int)) return Read<int>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(uint)) return Read<uint>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(long)) return Read<long>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(ulong)) return Read<ulong>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(float)) return Read<float>(input, group, field, firstRow, values, allowNulls);
        if (t == typeof(decimal)) return Read<decimal>(input, group, field, firstRow, values, allowNulls);
        return Read<double>(input, group, field, firstRow, values, allowNulls);
    }

    private static bool[]? Read<T>(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values, bool allowNulls) where T : struct, INumberBase<T>
    {
        int n = values.Length;
        if (field.IsNullable)
        {
            var raw = new T?[n];
            Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, raw.AsMemory()).AsTask()
                .GetAwaiter().GetResult());
            bool[]? missing = null;
            for (int i = 0; i < n; i++)
            {
                if (raw[i] is not T v)
                {
                    if (!allowNulls) throw Null(input, field, firstRow + i);
                    (missing ??= new bool[n])[i] = true;
                    values[i] = 0;
                    continue;
                }
                values[i] = double.CreateTruncating(v);
                CheckExact(input, field, firstRow + i, v, values[i]);
            }
            return missing;
        }
        var dense = new T[n];
        Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, dense.AsMemory()).AsTask().GetAwaiter()
            .GetResult());
        for (int i = 0; i < n; i++)
        {
            values[i] = double.CreateTruncating(dense[i]);
            CheckExact(input, field, firstRow + i, dense[i], values[i]);
        }
        return null;
    }

    private static bool[]? ReadBool(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values, bool allowNulls)
    {
        int n = values.Length;
        var raw = new bool?[n];
        if (field.IsNullable)
            Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, raw.AsMemory()).AsTask().GetAwaiter()
                .GetResult());
        else
        {
            var dense = new bool[n];
            Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, dense.AsMemory()).AsTask()
                .GetAwaiter().GetResult());
            for (int i = 0; i < n; i++) raw[i] = dense[i];
        }
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (raw[i] is bool b) values[i] = b ? 1 : 0;
            else if (allowNulls) ((missing ??= new bool[n])[i], values[i]) = (true, 0);
            else throw Null(input, field, firstRow + i);
        }
        return missing;
    }

    /// <summary>64-bit integers beyond 2^53 that float64 rounds are refused, not rounded.</summary>
    private static void CheckExact<T>(string input, DataField field, long row, T raw, double value)
        where T : struct, INumberBase<T>
    {
        bool exact = raw switch
        {
            long l => ConvertedValues.IsExact(l),
            ulong u => ConvertedValues.IsExact(u),
            _ => true,
        };
        if (!exact)
            throw new InputFileException(input, $"column '{field.Name}', row {row + 1}: {raw} is beyond the integers "
                + "float64 holds exactly (2^53)");
    }

    private static InputFileException Null(string input, DataField field, long row) => new(input,
        $"column '{field.Name}', row {row + 1}: null (a missing value); give --fill-missing zero|mean|VALUE to fill "
        + "the features' (labels and weights are never filled), or drop the row");

    private static T Guard<T>(string input, string subject, Func<T> read)
    {
        try { return read(); }
        catch (InputFileException) { throw; }
        catch (OutOfMemoryException) { throw; }
        catch (Exception e)
        {
            throw new InputFileException(input, (subject.Length > 0 ? subject + " " : "")
                + $"cannot be read as Parquet: {e.Message}", e);
        }
    }

    private static void Guard(string input, string subject, Action read) => Guard(input, subject, () =>
    {
        read();
        return 0;
    });
}
