using System.Security.Cryptography;
using System.Text;

namespace MpiDescent.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a temporary file
/// beside the target, which is flushed to disk and renamed over the target by <see cref="Commit"/>; the rename is the
/// only visible step. The temporary name is unique (process id and a random part), so concurrent jobs writing one path
/// never share a temporary file: the last rename wins whole. A symbolic link is written through (its target is
/// replaced, the link stays), and a target that exists but is not a regular file (a device, a FIFO) is refused.
/// Disposing without committing deletes the temporary file, even when disposing itself fails (a full disk).
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;

    /// <summary>Starts writing <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The directory is missing or unwritable, or the target is not a regular
    /// file.</exception>
    public AtomicFile(string path)
    {
        TargetPath = OutputPaths.FinalTarget(path);
        var kind = FileStatus.Of(TargetPath).Kind;
        if (kind is not (FileKind.Regular or FileKind.Missing))
            throw new InputFileException(path, $"cannot write: it is {FileStatus.Describe(kind)}, not a regular file");
        var directory = Path.GetDirectoryName(TargetPath)!;
        if (!Directory.Exists(directory))
            throw new InputFileException(path, $"cannot write: directory {directory} does not exist");
        TempPath = TemporaryPath(TargetPath, "tmp");
        try
        {
            Stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }

    /// <summary>The final path (a symbolic link's target).</summary>
    public string TargetPath { get; }

    /// <summary>The temporary file being written.</summary>
    public string TempPath { get; }

    /// <summary>The stream to write to.</summary>
    public FileStream Stream { get; }

    /// <summary>A fresh name beside <paramref name="target"/>: <c>.NAME.PID.RANDOM.SUFFIX</c>.</summary>
    public static string TemporaryPath(string target, string suffix)
    {
        var full = Path.GetFullPath(target);
        string random = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        return Path.Combine(Path.GetDirectoryName(full)!,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}.{random}.{suffix}");
    }

    /// <summary>Flushes the data to disk and renames the temporary file over the target.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TempPath, TargetPath, overwrite: true);
        _committed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Stream.Dispose(); }
        catch (IOException) when (!_committed) { } // a full disk fails the final flush too; the file goes anyway
        finally
        {
            if (!_committed) File.Delete(TempPath);
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = new AtomicFile(path);
        try
        {
            file.Stream.Write(bytes);
            file.Commit();
        }
        catch (IOException e)
        {
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }
}
