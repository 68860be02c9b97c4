using System.IO.Compression;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// A NumPy array (a <c>.npy</c> file, or one array of an <c>.npz</c> archive) read as float64 in blocks of rows, in
/// memory proportional to the block: a C-order array is read front to back; a Fortran-order array (column-major) one
/// column segment per column and block, by position. A Fortran-order array inside an archive is first extracted to a
/// temporary file beside the output (deleted afterwards, also on SIGTERM), since a compressed entry cannot be read by
/// position. Every error is an <see cref="InputFileException"/> naming the file, the array and the 1-based row and
/// column.
/// </summary>
public sealed class NpyArray : IRowArray
{
    private readonly Stream _stream;
    private readonly IDisposable[] _owned;
    private long _position;
    private byte[] _raw = [];
    private double[] _column = [];

    private NpyArray(string path, string subject, NpyHeader header, Stream stream, IDisposable[] owned)
    {
        (FilePath, Subject, Header, _stream, _owned, _position) = (path, subject, header, stream, owned,
            header.DataOffset);
    }

    /// <summary>The file read: the .npy file, or the archive.</summary>
    public string FilePath { get; }

    /// <summary>The array as messages name it: "the array", or "array 'y'" of an archive.</summary>
    public string Subject { get; }

    /// <summary>The header.</summary>
    public NpyHeader Header { get; }

    /// <inheritdoc />
    public int Dimensions => Header.Shape.Length;

    /// <inheritdoc />
    public string ShapeText => Header.ShapeText;

    /// <summary>The first dimension.</summary>
    public long Rows => Header.Shape.Length == 0 ? 1 : Header.Shape[0];

    /// <summary>Values per row: the second dimension of a 2-D array, 1 for a 1-D array.</summary>
    public long Columns => Header.Shape.Length == 2 ? Header.Shape[1] : 1;

    /// <summary>"float32, Fortran order".</summary>
    public string Description => Header.Type.Name + (ColumnMajor ? ", Fortran order" : "");

    /// <summary>Whether the array is stored column by column: Fortran order with more than one column.</summary>
    public bool ColumnMajor => Header.FortranOrder && Columns > 1;

    /// <summary>Opens the .npy file <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">Unreadable, not a .npy array, an unsupported dtype, or a size that does
    /// not match the header's shape.</exception>
    public static NpyArray OpenFile(string path)
    {
        var stream = InputFile.OpenRead(path);
        try { return Open(path, "the array", stream, stream.Length, [stream]); }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The names of the arrays in the .npz archive <paramref name="path"/>, in archive order.</summary>
    /// <exception cref="InputFileException">Unreadable, or not a zip archive.</exception>
    public static IReadOnlyList<string> ArchiveNames(string path)
    {
        using var archive = OpenArchive(path, out var file);
        using (file)
            return Guard(path, "the archive", () => archive.Entries
                .Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                .Select(e => e.FullName[..^4]).ToArray());
    }

    /// <summary>Opens array <paramref name="name"/> of the .npz archive <paramref name="path"/>; a Fortran-order
    /// array is extracted to a temporary file beside <paramref name="scratchBeside"/>.</summary>
    /// <exception cref="InputFileException">The archive is unreadable or damaged, has no such array, or the array is
    /// not one this reader takes.</exception>
    public static NpyArray OpenArchiveEntry(string path, string name, string scratchBeside)
    {
        var owned = new List<IDisposable>();
        try
        {
            var archive = OpenArchive(path, out var file);
            owned.Add(file);
            owned.Add(archive);
            var entry = Guard(path, "the archive", () => archive.GetEntry(name + ".npy"))
                ?? throw new InputFileException(path, $"has no array "
                + $"'{name}' (it holds {string.Join(", ", ArchiveNames(path).Select(n => $"'{n}'"))})");
            string subject = $"array '{name}'";
            var stream = Guard(path, subject, () => entry.Open());
            owned.Add(stream);
            var array = Open(path, subject, stream, entry.Length, owned.ToArray());
            if (!array.ColumnMajor) return array;
            var scratch = new AtomicFile(scratchBeside + "." + name + ".npy");
            owned.Add(scratch);
            Guard(path, subject, () =>
            {
                using var again = entry.Open();
                again.CopyTo(scratch.Stream, 1 << 20);
                return 0;
            });
            return Open(path, subject, scratch.Stream, scratch.Stream.Length, owned.ToArray());
        }
        catch
        {
            foreach (var d in Enumerable.Reverse(owned)) d.Dispose();
            throw;
        }
    }

    private static ZipArchive OpenArchive(string path, out FileStream file)
    {
        file = InputFile.OpenRead(path);
        var opened = file;
        try { return Guard(path, "the archive", () => new ZipArchive(opened, ZipArchiveMode.Read)); }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static NpyArray Open(string path, string subject, Stream stream, long length, IDisposable[] owned)
    {
        if (stream.CanSeek) stream.Position = 0;
        var header = Guard(path, subject, () => NpyHeader.Read(stream));
        long? elements = header.Elements;
        long? bytes = elements is long e && e <= long.MaxValue / header.Type.Size ? e * header.Type.Size : null;
        if (bytes is null || header.DataOffset + bytes != length)
            throw new InputFileException(path, $"{subject} is {length} bytes long, and its header (shape "
                + $"{header.ShapeText} of {header.Type.Name} from byte {header.DataOffset}) needs "
                + (bytes is null ? "more than a file can hold" : $"{header.DataOffset + bytes}")
                + (bytes is long b && header.DataOffset + b > length ? ": it is truncated" : ""));
        return new NpyArray(path, subject, header, stream, owned);
    }

    /// <summary>Reads rows <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1
    /// (0-based) into <paramref name="values"/>, row-major (<see cref="Columns"/> values per row). A C-order array in
    /// an archive is read front to back only, in consecutive calls.</summary>
    /// <exception cref="InputFileException">The file ends early or is damaged, or an integer is beyond float64's
    /// exact range (±2^53); names the row and column.</exception>
    public void ReadRows(long first, int count, Span<double> values)
    {
        int size = Header.Type.Size;
        long columns = Columns;
        if (!ColumnMajor)
        {
            int bytes = checked((int)(count * columns * size));
            Fill(Header.DataOffset + first * columns * size, bytes);
            int bad = Header.Type.Decode(_raw.AsSpan(0, bytes), values);
            if (bad >= 0) throw Inexact(first + bad / columns, bad % columns);
            return;
        }
        if (_column.Length < count) _column = new double[count];
        for (long j = 0; j < columns; j++)
        {
            Fill(Header.DataOffset + (j * Rows + first) * size, count * size);
            int bad = Header.Type.Decode(_raw.AsSpan(0, count * size), _column);
            if (bad >= 0) throw Inexact(first + bad, j);
            for (int i = 0; i < count; i++) values[(int)(i * columns + j)] = _column[i];
        }
    }

    /// <summary>"row 12, column 3 (X[11, 2])", or "row 12 (y[11])" for a 1-D array: a value's place, 1-based and as
    /// NumPy indexes it.</summary>
    public string Place(long row, long column) => Placing(Dimensions, row, column);

    /// <summary><see cref="Place"/> for an array of <paramref name="dimensions"/> dimensions.</summary>
    internal static string Placing(int dimensions, long row, long column) => dimensions < 2
        ? $"row {row + 1} ([{row}])" : $"row {row + 1}, column {column + 1} ([{row}, {column}])";

    private InputFileException Inexact(long row, long column) => new(FilePath, $"{Subject}, {Place(row, column)}: "
        + $"{Header.Type.Name} value beyond ±2^53 that float64 cannot hold exactly");

    private void Fill(long offset, int bytes)
    {
        if (_raw.Length < bytes) _raw = new byte[bytes];
        try
        {
            if (offset != _position)
            {
                if (!_stream.CanSeek) throw new InvalidOperationException("a compressed array is read in order");
                _stream.Position = offset;
            }
            _stream.ReadExactly(_raw, 0, bytes);
            _position = offset + bytes;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InputFileException(FilePath, $"{Subject} cannot be read at byte {offset}: " + (e is
                EndOfStreamException ? "the file ended early (it changed while being read)" : e.Message), e);
        }
    }

    private static T Guard<T>(string path, string subject, Func<T> read)
    {
        try { return read(); }
        catch (FormatException e) { throw new InputFileException(path, $"{subject} {e.Message}", e); }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InputFileException(path, $"{subject} is damaged or not a zip archive: {e.Message}", e);
        }
        catch (IOException e) { throw new InputFileException(path, $"{subject} cannot be read: {e.Message}", e); }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
    }
}
