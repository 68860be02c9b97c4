using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// A data file opened for reading, with its validated header. The file stays open from the header check to the end of
/// loading, so that every read of this rank is of the same file even if its path is replaced meanwhile (ranks compare
/// <see cref="HeaderBytes"/>, which include the content checksum, to agree that they all opened the same file).
/// </summary>
public sealed class DataFile : IDisposable
{
    private readonly FileStream _stream;

    private DataFile(string path, FileStream stream, DataFileHeader header, byte[] headerBytes)
    {
        Path = path;
        _stream = stream;
        Header = header;
        HeaderBytes = headerBytes;
    }

    /// <summary>The path it was opened by.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public DataFileHeader Header { get; }

    /// <summary>The header and names as stored in the file.</summary>
    public byte[] HeaderBytes { get; }

    /// <summary>The open file, for positioned reads.</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle Handle => _stream.SafeFileHandle;

    /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="InputFileException">Missing, not a regular file, unreadable or malformed.</exception>
    public static DataFile Open(string path)
    {
        var stream = InputFile.OpenRead(path);
        try
        {
            var header = DataFileHeader.Read(stream, path, out var bytes);
            return new DataFile(path, stream, header, bytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
