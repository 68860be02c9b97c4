using Microsoft.Win32.SafeHandles;

namespace MpiDescent.IO;

/// <summary>Opens input files with one clear error per way that opening can fail, and reads them by position.</summary>
public static class InputFile
{
    /// <summary>Opens <paramref name="path"/> for reading. Only regular files are opened: a named pipe would block
    /// every rank in <c>open()</c>, and a device has no size to check.</summary>
    /// <exception cref="InputFileException">The file is missing, not a regular file, or unreadable.</exception>
    public static FileStream OpenRead(string path)
    {
        var kind = FileStatus.Of(path).Kind;
        if (kind == FileKind.Directory) throw new InputFileException(path, "is a directory, not a file");
        if (kind is not (FileKind.Regular or FileKind.Missing))
            throw new InputFileException(path, $"is {FileStatus.Describe(kind)}, not a regular file: "
                + "copy the data into a file first");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (FileNotFoundException e) { throw new InputFileException(path, "file not found", e); }
        catch (DirectoryNotFoundException e)
        {
            throw new InputFileException(path, "file not found (no such directory)", e);
        }
        catch (UnauthorizedAccessException e) { throw new InputFileException(path, "permission denied", e); }
        catch (IOException e) { throw new InputFileException(path, $"cannot be opened: {e.Message}", e); }
    }

    /// <summary>Up to <paramref name="count"/> bytes from the start of <paramref name="path"/>, for recognizing a
    /// format by its magic: none when it is not a regular file or cannot be read (opening it later says why).</summary>
    public static byte[] ReadStart(string path, int count)
    {
        try
        {
            if (FileStatus.Of(path).Kind != FileKind.Regular) return [];
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var start = new byte[count];
            return start[..stream.ReadAtLeast(start, count, throwOnEndOfStream: false)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>.</summary>
    /// <exception cref="InputFileException">The file ends early (it shrank while being read).</exception>
    public static void ReadExactlyAt(SafeFileHandle handle, Span<byte> destination, long offset, string path)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(handle, destination, offset);
            if (n == 0) throw new InputFileException(path, $"unexpected end of file at byte {offset}");
            destination = destination[n..];
            offset += n;
        }
    }
}
