using System.Runtime.InteropServices;
using System.Text;

namespace MpiDescent.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a temporary file
/// beside the target, which is flushed to disk and renamed over the target by <see cref="Commit"/>; the rename is the
/// only visible step. The temporary name is unique (process id and a random part), so concurrent jobs writing one path
/// never share a temporary file: the last rename wins whole. A symbolic link is written through (its target is
/// replaced, the link stays), and a target that exists but is not a regular file (a device, a FIFO) is refused.
/// Disposing without committing deletes the temporary file, even when disposing itself fails (a full disk). A
/// command that does not handle signals itself calls <see cref="DeleteUnfinishedOnSignals"/>, so that SIGTERM, SIGINT
/// or SIGHUP also deletes every temporary file still being written before the process ends. Only SIGKILL leaves one.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Unfinished = new();
    private bool _committed;

    private static readonly List<PosixSignalRegistration> Registrations = [];

    /// <summary>Makes SIGTERM, SIGINT and SIGHUP delete the temporary files of every unfinished write, then end the
    /// process as the signal would (for commands without their own signal handling: convert, generate, predict,
    /// evaluate; train checkpoints on these signals instead).</summary>
    public static void DeleteUnfinishedOnSignals()
    {
        if (OperatingSystem.IsWindows()) return;
        lock (Registrations)
        {
            if (Registrations.Count > 0) return;
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
                Registrations.Add(PosixSignalRegistration.Create(signal, _ =>
                {
                    foreach (var path in Unfinished.Keys)
                    {
                        try { File.Delete(path); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                    }
                }));
        }
    }

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
        // Listed before it exists: a signal that arrived after the file was created but before it was listed left
        // it behind (seen once in CI). Deleting a file that is not there yet is harmless.
        Unfinished[TempPath] = 0;
        try
        {
            _file = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            Stream = new WriteFailureStream(_file, this);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Unfinished.TryRemove(TempPath, out _);
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }

    /// <summary>The final path (a symbolic link's target).</summary>
    public string TargetPath { get; }

    /// <summary>The temporary file being written.</summary>
    public string TempPath { get; }

    /// <summary>The stream to write to: a failed write (a full disk, a quota, an I/O error) is an <see
    /// cref="InputFileException"/> naming <see cref="TargetPath"/>.</summary>
    public Stream Stream { get; }

    private readonly FileStream _file;

    /// <summary>The failure of a write to the temporary file, told as a failure to write the target.</summary>
    private InputFileException WriteFailure(IOException e) =>
        new(TargetPath, $"cannot write: {e.Message.Replace($" : '{TempPath}'", "")} (nothing was replaced)", e);

    /// <summary>A fresh name beside <paramref name="target"/>: <c>.NAME.PID.RANDOM.SUFFIX</c>.</summary>
    public static string TemporaryPath(string target, string suffix)
    {
        var full = Path.GetFullPath(target);
        // Random.Shared is seeded by the operating system; a cryptographic generator would load OpenSSL (about 10 ms of
        // every run's start) for a name that only needs to differ between processes.
        string random = (Random.Shared.NextInt64() & 0xFFFFFFFFFFFF).ToString("x12");
        return Path.Combine(Path.GetDirectoryName(full)!,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}.{random}.{suffix}");
    }

    /// <summary>Flushes the data to disk and renames the temporary file over the target.</summary>
    public void Commit()
    {
        try
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }
        catch (IOException e) { throw WriteFailure(e); }
        File.Move(TempPath, TargetPath, overwrite: true);
        _committed = true;
        Unfinished.TryRemove(TempPath, out _);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { _file.Dispose(); }
        catch (IOException) when (!_committed) { } // a full disk fails the final flush too; the file goes anyway
        finally
        {
            if (!_committed) File.Delete(TempPath);
            Unfinished.TryRemove(TempPath, out _);
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

    /// <summary>The temporary file's stream, whose write failures name the target (see <see cref="Stream"/>).</summary>
    private sealed class WriteFailureStream(FileStream inner, AtomicFile owner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override void Flush()
        {
            try { inner.Flush(); }
            catch (IOException e) { throw owner.WriteFailure(e); }
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value)
        {
            try { inner.SetLength(value); }
            catch (IOException e) { throw owner.WriteFailure(e); }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try { inner.Write(buffer); }
            catch (IOException e) { throw owner.WriteFailure(e); }
        }
    }
}
