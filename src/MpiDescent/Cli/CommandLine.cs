using System.Globalization;

namespace MpiDescent.Cli;

/// <summary>
/// A parsed command line: positional arguments and <c>--name value</c>, <c>--name=value</c> or <c>--flag</c>
/// options. Unknown options and missing values are usage errors; typed getters validate ranges in one place.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly string _command;

    private CommandLine(string command) => _command = command;

    /// <summary>Positional arguments in order.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>Parses <paramref name="args"/> for <paramref name="command"/>, accepting the given valued options and flags.</summary>
    public static CommandLine Parse(string command, IEnumerable<string> args, IReadOnlySet<string> valued, IReadOnlySet<string> flags)
    {
        var line = new CommandLine(command);
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                line.Positionals.Add(arg);
                continue;
            }
            var (name, inline) = arg.IndexOf('=') is var eq and > 0 ? (arg[2..eq], arg[(eq + 1)..]) : (arg[2..], null);
            if (flags.Contains(name))
            {
                if (inline is not null) throw line.Error($"--{name} takes no value");
                line._options[name] = null;
            }
            else if (valued.Contains(name))
            {
                var value = inline ?? (i + 1 < list.Count ? list[++i] : throw line.Error($"--{name} needs a value"));
                line._options[name] = value;
            }
            else throw line.Error($"unknown option --{name}");
        }
        return line;
    }

    /// <summary>A usage error for this command.</summary>
    public UsageException Error(string message) => new($"{message}\nRun 'MpiDescent {_command} --help' for usage.");

    /// <summary>Whether an option or flag was given.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The option's text, or <paramref name="fallback"/>.</summary>
    public string? Text(string name, string? fallback = null) => _options.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>The option as a double within [min, max] (min exclusive when <paramref name="positive"/>).</summary>
    public double Double(string name, double fallback, bool positive = false, double max = double.MaxValue)
    {
        if (!_options.TryGetValue(name, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw Error($"--{name} must be a number, got '{text}'");
        if (positive && v <= 0) throw Error($"--{name} must be positive, got {text}");
        if (v < 0 || v > max) throw Error($"--{name} must be between 0 and {max}, got {text}");
        return v;
    }

    /// <summary>The option as a long within [min, max].</summary>
    public long Long(string name, long fallback, long min = 0, long max = long.MaxValue)
    {
        if (!_options.TryGetValue(name, out var text)) return fallback;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw Error($"--{name} must be an integer, got '{text}'");
        if (v < min || v > max) throw Error($"--{name} must be between {min} and {max}, got {text}");
        return v;
    }

    /// <summary>The option as one of <paramref name="choices"/>.</summary>
    public string Choice(string name, string fallback, params string[] choices)
    {
        var v = Text(name, fallback)!;
        return choices.Contains(v) ? v : throw Error($"--{name} must be one of {string.Join(", ", choices)}; got '{v}'");
    }

    /// <summary>Exactly as many positionals as <paramref name="names"/>, which name them in error messages.</summary>
    public void RequirePositionals(params string[] names)
    {
        if (Positionals.Count < names.Length) throw Error($"missing {names[Positionals.Count]}");
        if (Positionals.Count > names.Length) throw Error($"unexpected argument '{Positionals[names.Length]}'");
    }
}
