using System.Text;

namespace MpiDescent.Output;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a temporary
/// file beside the target, which is flushed to disk and renamed over the target by <see cref="Commit"/>.
/// Disposing without committing deletes the temporary file.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;

    /// <summary>Starts writing <paramref name="path"/>.</summary>
    public AtomicFile(string path)
    {
        TargetPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(TargetPath)!;
        if (!Directory.Exists(directory)) throw new InputFileException(path, $"cannot write: directory {directory} does not exist");
        TempPath = Path.Combine(directory, $".{Path.GetFileName(TargetPath)}.{System.Environment.ProcessId}.tmp");
        try
        {
            Stream = new FileStream(TempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }

    /// <summary>The final path.</summary>
    public string TargetPath { get; }

    /// <summary>The temporary file being written.</summary>
    public string TempPath { get; }

    /// <summary>The stream to write to.</summary>
    public FileStream Stream { get; }

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
        Stream.Dispose();
        if (!_committed && File.Exists(TempPath)) File.Delete(TempPath);
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var file = new AtomicFile(path);
        file.Stream.Write(Encoding.UTF8.GetBytes(text));
        file.Commit();
    }
}
