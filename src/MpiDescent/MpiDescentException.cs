namespace MpiDescent;

/// <summary>An expected failure with a message for the user and the exit code it maps to.</summary>
public class MpiDescentException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The process exit code for this failure (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>A command line that cannot be run: reported before any rank reads data.</summary>
public sealed class UsageException(string message) : MpiDescentException(message, ExitCodes.Usage);

/// <summary>A data, model or input file that is missing, unreadable or malformed.</summary>
public sealed class InputFileException(string path, string problem, Exception? inner = null)
    : MpiDescentException($"{path}: {problem}", ExitCodes.BadInput, inner)
{
    /// <summary>The offending file.</summary>
    public string FilePath { get; } = path;
}
