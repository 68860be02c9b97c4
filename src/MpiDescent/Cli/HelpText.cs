namespace MpiDescent.Cli;

/// <summary>The help the program prints: an overview of the commands, and each command's help as System.CommandLine
/// generates it from <see cref="CommandDefinitions"/>. docs/usage.md shows the same text (a test checks it).</summary>
public static class HelpText
{
    /// <summary>The overview (<c>MpiDescent --help</c>).</summary>
    public static string Main
    {
        get
        {
            var lines = new List<string>
            {
                "MpiDescent: distributed training of linear models by gradient descent over MPI.",
                "",
                "Usage:",
                "  mpiexec.mpich -n N MpiDescent DATA.bin [train options]    train (same as 'train')",
            };
            foreach (var command in CommandDefinitions.All)
            {
                string usage = $"MpiDescent {command.Name} {string.Join(" ", command.Arguments)}".TrimEnd();
                lines.Add($"  {usage,-58} {command.Summary}");
            }
            lines.AddRange([
                "",
                "Run 'MpiDescent COMMAND --help' for a command's options. Exit codes: 0 ok, 1 internal error, 2 usage,",
                "3 bad input file, 4 diverged, 5 interrupted (checkpoint saved), 6 MPI setup, 7 a rank stalled,",
                "8 not converged with --require-convergence (docs/operations.md).",
            ]);
            return string.Join("\n", lines) + "\n";
        }
    }

    /// <summary>The help of <paramref name="command"/>.</summary>
    public static string For(CommandSpec command) => CommandLine.Help(command);
}
