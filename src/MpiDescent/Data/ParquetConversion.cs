using System.Numerics;
using MpiDescent.IO;
using Parquet;
using Parquet.Schema;

namespace MpiDescent.Data;

/// <summary>
/// <c>convert data.parquet out.bin [--label COL] [--weight COL]</c>: a Parquet file (read with Parquet.Net) to a dense
/// data file with the columns' names, one row group at a time (memory: a row group's values as float64, at most
/// <see cref="MaxRowGroupValues"/>, not the file's). Every top-level numeric column is a feature except the label
/// (by name or 0-based index; default the last
/// column) and the weight column: boolean, signed and unsigned integers of 8 to 64 bits, float, double and decimal.
/// Optional (nullable) columns are read, and a null in them is an error naming the column and the 1-based row, as are
/// strings and other non-numeric columns, list (repeated) columns, non-finite values, negative weights and 64-bit
/// integers float64 cannot hold exactly.
/// </summary>
/// <param name="Label">The label column's name or 0-based index (null: the last column).</param>
/// <param name="Weight">The example-weight column (null: none).</param>
/// <param name="ElementType">The storage of every value.</param>
public sealed record ParquetConversion(string? Label, string? Weight, ElementType ElementType)
{
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

    private (DataFileHeader Header, string Note) Convert(string input, string target, ParquetReader reader)
    {
        var fields = Guard(input, "", () => reader.Schema.Fields.ToArray());
        var names = fields.Select(f => f.Name).ToArray();
        int labelAt = Label is null ? fields.Length - 1 : ColumnIndex(input, names, Label, "label");
        int weightAt = Weight is null ? -1 : ColumnIndex(input, names, Weight, "weight");
        if (weightAt == labelAt)
            throw new InputFileException(input, $"the weight column '{Weight}' is also the label column");
        var columns = new DataField[fields.Length];
        for (int c = 0; c < fields.Length; c++)
        {
            if (fields[c] is not DataField { IsArray: false } field)
                throw new InputFileException(input, $"column '{names[c]}' is a {fields[c].SchemaType} column "
                    + "(list, map or struct), which this reader does not take");
            bool text = field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);
            if (!IsNumeric(field.ClrType))
                throw new InputFileException(input, $"column '{names[c]}' holds "
                    + (text ? "text" : field.ClrType.Name + " values") + ", not numbers" + (text ? " (text columns are "
                        + "not read from Parquet yet: encode categories as integers 0..K-1)" : ""));
            columns[c] = field;
        }
        var featureColumns = Enumerable.Range(0, fields.Length).Where(c => c != labelAt && c != weightAt).ToArray();
        if (featureColumns.Length == 0)
            throw new InputFileException(input, "has no feature columns besides the label and the weight");
        using var writer = new DataFileWriter(target, featureColumns.Length, featureColumns.Select(c => names[c])
            .ToArray(), weights: weightAt >= 0, elementType: ElementType);
        long firstRow = 0;
        var row = new double[featureColumns.Length];
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
            for (int c = 0; c < fields.Length; c++)
            {
                values[c] = new double[n];
                Read(input, group, columns[c], firstRow, values[c]);
                string column = names[c];
                long first = firstRow;
                ConvertedValues.Check(input, values[c], ElementType, c == weightAt,
                    i => $"column '{column}', row {first + i + 1}");
            }
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < featureColumns.Length; j++) row[j] = values[featureColumns[j]][i];
                writer.WriteRow(row, values[labelAt][i], weightAt < 0 ? 1 : values[weightAt][i]);
            }
            firstRow += n;
        }
        if (firstRow == 0) throw new InputFileException(input, "has no rows");
        return (writer.Complete(), $", label '{names[labelAt]}'"
            + (weightAt < 0 ? "" : $", weights '{names[weightAt]}'")
            + $", {reader.RowGroupCount} row group{(reader.RowGroupCount == 1 ? "" : "s")}");
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

    private static void Read(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values)
    {
        var t = field.ClrType;
        if (t == typeof(bool)) ReadBool(input, group, field, firstRow, values);
        else if (t == typeof(sbyte)) Read<sbyte>(input, group, field, firstRow, values);
        else if (t == typeof(byte)) Read<byte>(input, group, field, firstRow, values);
        else if (t == typeof(short)) Read<short>(input, group, field, firstRow, values);
        else if (t == typeof(ushort)) Read<ushort>(input, group, field, firstRow, values);
        else if (t == typeof(int)) Read<int>(input, group, field, firstRow, values);
        else if (t == typeof(uint)) Read<uint>(input, group, field, firstRow, values);
        else if (t == typeof(long)) Read<long>(input, group, field, firstRow, values);
        else if (t == typeof(ulong)) Read<ulong>(input, group, field, firstRow, values);
        else if (t == typeof(float)) Read<float>(input, group, field, firstRow, values);
        else if (t == typeof(decimal)) Read<decimal>(input, group, field, firstRow, values);
        else Read<double>(input, group, field, firstRow, values);
    }

    private static void Read<T>(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values) where T : struct, INumberBase<T>
    {
        int n = values.Length;
        if (field.IsNullable)
        {
            var raw = new T?[n];
            Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, raw.AsMemory()).AsTask()
                .GetAwaiter().GetResult());
            for (int i = 0; i < n; i++)
            {
                if (raw[i] is not T v) throw Null(input, field, firstRow + i);
                values[i] = double.CreateTruncating(v);
                CheckExact(input, field, firstRow + i, v, values[i]);
            }
            return;
        }
        var dense = new T[n];
        Guard(input, $"column '{field.Name}'", () => group.ReadAsync(field, dense.AsMemory()).AsTask().GetAwaiter()
            .GetResult());
        for (int i = 0; i < n; i++)
        {
            values[i] = double.CreateTruncating(dense[i]);
            CheckExact(input, field, firstRow + i, dense[i], values[i]);
        }
    }

    private static void ReadBool(string input, ParquetRowGroupReader group, DataField field, long firstRow,
        double[] values)
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
        for (int i = 0; i < n; i++) values[i] = raw[i] is bool b ? (b ? 1 : 0) : throw Null(input, field, firstRow + i);
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
        $"column '{field.Name}', row {row + 1}: null (a missing value); fill or drop missing values before converting");

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
