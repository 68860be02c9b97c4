using System.Text;

namespace MpiDescent.IO;

/// <summary>
/// Reads a text file as lines of UTF-8 bytes, without building a string per line: the converters parse the bytes
/// where they lie in a 1 MiB buffer (a line longer than the buffer grows it). A line ends at '\n'; a '\r' before it
/// is dropped, and the last line needs no '\n'. A UTF-8 byte-order mark is skipped; a UTF-16 or UTF-32 file (by its
/// byte-order mark) is transcoded to UTF-8 as it is read.
/// </summary>
public sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 20];
    private int _start, _end;
    private bool _ended;

    /// <summary>Opens <paramref name="path"/> (<see cref="InputFile.OpenRead"/>'s errors).</summary>
    public Utf8LineReader(string path)
    {
        _stream = Decoded(InputFile.OpenRead(path));
        Fill();
        if (_buffer.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8)) _start += 3;
    }

    /// <summary>ASCII white space, which the converters trim and split at: space, '\t', '\n', '\v', '\f',
    /// '\r'.</summary>
    public static ReadOnlySpan<byte> WhiteSpace => " \t\n\v\f\r"u8;

    /// <summary>Whether <paramref name="b"/> is one of <see cref="WhiteSpace"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions
        .AggressiveInlining)]
    public static bool IsWhiteSpace(byte b) => b == ' ' || (uint)(b - '\t') <= '\r' - '\t';

    /// <summary>The 1-based number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line, without its line break; false at the end of the file. The span is valid until the
    /// next call.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions
        .AggressiveOptimization)]
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            int newline = pending.IndexOf((byte)'\n');
            if (newline >= 0 || (_ended && pending.Length > 0))
            {
                int length = newline >= 0 ? newline : pending.Length;
                line = pending[..length];
                if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
                _start += newline >= 0 ? newline + 1 : length;
                LineNumber++;
                return true;
            }
            if (_ended)
            {
                line = default;
                return false;
            }
            Fill();
        }
    }

    /// <summary>Moves the unread bytes to the front (growing the buffer when they fill it) and reads more.</summary>
    private void Fill()
    {
        int pending = _end - _start;
        if (pending == _buffer.Length) Array.Resize(ref _buffer, checked(2 * _buffer.Length));
        else if (_start > 0) Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        (_start, _end) = (0, pending);
        while (_end < _buffer.Length)
        {
            int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _ended = true;
                return;
            }
            _end += n;
        }
    }

    /// <summary>The file as UTF-8: transcoded when its byte-order mark says UTF-16 or UTF-32.</summary>
    private static Stream Decoded(FileStream file)
    {
        Span<byte> mark = stackalloc byte[4];
        int n = file.ReadAtLeast(mark, 4, throwOnEndOfStream: false);
        file.Position = 0;
        mark = mark[..n];
        Encoding? encoding = mark.StartsWith(stackalloc byte[] { 0xFF, 0xFE, 0, 0 }) ? Encoding.UTF32
            : mark.StartsWith(stackalloc byte[] { 0xFF, 0xFE }) ? Encoding.Unicode
            : mark.StartsWith(stackalloc byte[] { 0xFE, 0xFF }) ? Encoding.BigEndianUnicode
            : null;
        return encoding is null ? file : Encoding.CreateTranscodingStream(file, encoding, Encoding.UTF8);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
