namespace MpiDescent.IO;

/// <summary>A path given for an option, for the checks of <see cref="OutputPaths"/>.</summary>
/// <param name="Option">How the user named it in messages: "--model", "the data file", ...</param>
/// <param name="Path">The path as given.</param>
/// <param name="StandardOutput">Outputs only: whether "-" (standard output) is accepted.</param>
public readonly record struct NamedPath(string Option, string Path, bool StandardOutput = false)
{
    /// <summary>Whether this output is standard output ("-", where accepted).</summary>
    public bool IsStandardOutput => StandardOutput && Path == "-";
}

/// <summary>
/// Checks a command's outputs before it reads or writes anything: each is a file name in an existing, writable
/// directory; none is an input or another output (compared by resolved path and, where the file exists, by device and
/// inode, so hard links and symbolic links are seen through); none exists as something other than a regular file. A
/// failure is a <see cref="UsageException"/> naming the option, so the job ends with exit 2 before any work.
/// </summary>
public static class OutputPaths
{
    /// <summary>Runs every check; <paramref name="mayOverwrite"/> lists (output option, input option) pairs that are
    /// meant to be one file (a checkpoint resumed from and written to again).</summary>
    public static void Check(IReadOnlyList<NamedPath> inputs, IReadOnlyList<NamedPath> outputs,
        IReadOnlyList<(string Output, string Input)>? mayOverwrite = null)
    {
        var seen = new List<(NamedPath Named, string Target, FileStatus Status)>();
        foreach (var input in inputs)
        {
            if (string.IsNullOrWhiteSpace(input.Path))
                throw new UsageException($"{input.Option} needs a file name, got '{input.Path}'");
            seen.Add((input, FinalTarget(input.Path), FileStatus.Of(input.Path)));
        }
        int inputCount = seen.Count;
        foreach (var output in outputs)
        {
            if (output.IsStandardOutput) continue;
            var (target, status) = CheckOne(output);
            for (int k = 0; k < seen.Count; k++)
            {
                var (other, otherTarget, otherStatus) = seen[k];
                bool same = SamePath(target, otherTarget) || status.SameFileAs(otherStatus);
                if (!same) continue;
                bool isInput = k < inputCount;
                if (isInput && mayOverwrite?.Contains((output.Option, other.Option)) == true) continue;
                throw new UsageException(isInput
                    ? $"{output.Option} {output.Path} is the same file as {other.Option} {other.Path}: writing it "
                      + "would destroy an input; choose another output name"
                    : $"{output.Option} {output.Path} and {other.Option} {other.Path} are the same file: "
                      + "one output would overwrite the other; give them different names");
            }
            seen.Add((output, target, status));
        }
    }

    /// <summary>The path a write to <paramref name="path"/> reaches: a symbolic link's final target (which may not
    /// exist yet), else the full path.</summary>
    public static string FinalTarget(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            var link = File.ResolveLinkTarget(full, returnFinalTarget: true);
            return link is null ? full : Path.GetFullPath(link.FullName);
        }
        catch (IOException) { return full; } // a link loop or an unreadable link: the write will say what is wrong
        catch (UnauthorizedAccessException) { return full; }
    }

    private static (string Target, FileStatus Status) CheckOne(NamedPath output)
    {
        string option = output.Option, path = output.Path;
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} needs a file name, got '{path}'");
        if (path == "-")
            throw new UsageException($"{option} cannot write to standard output ('-'); give a file name");
        if (path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar))
            throw new UsageException($"{option} {path} names a directory; give a file name");
        var target = FinalTarget(path);
        var status = FileStatus.Of(target);
        if (status.Kind == FileKind.Directory)
            throw new UsageException($"{option} {path} is a directory; give a file name inside it");
        if (status.Kind is not (FileKind.Regular or FileKind.Missing))
            throw new UsageException($"{option} {path} is {FileStatus.Describe(status.Kind)}; outputs must be regular "
                + "files (leave the option out if you do not want this output)");
        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
            throw new UsageException($"{option} {path}: directory {directory} does not exist");
        ProbeWritable(option, path, target);
        return (target, status);
    }

    /// <summary>Creates and deletes a uniquely named file beside the target: the one test of writability that agrees
    /// with what the final write will meet (permissions, ACLs, read-only mounts, quotas on inodes).</summary>
    private static void ProbeWritable(string option, string path, string target)
    {
        var probe = AtomicFile.TemporaryPath(target, "probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: cannot write in {Path.GetDirectoryName(target)} ({e.Message})");
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(a, b, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal);
}
