using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;

namespace MpiDescent.Cli;

/// <summary>
/// A parsed command line, parsed by System.CommandLine from the command's <see cref="CommandSpec"/>: positional
/// arguments and <c>--name value</c>, <c>--name=value</c> or <c>--flag</c> options. Unknown options (with a suggestion
/// for a mistyped one), missing values and repeated options are usage errors; the typed getters validate values and
/// ranges in one place, with messages that name the option.
/// </summary>
public sealed class CommandLine
{
    private readonly CommandSpec _spec;
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    private CommandLine(CommandSpec spec) => _spec = spec;

    /// <summary>Positional arguments in order.</summary>
    public List<string> Positionals { get; } = [];

    /// <summary>Parses <paramref name="args"/> (after the command's name) for <paramref name="spec"/>.</summary>
    /// <exception cref="UsageException">Unknown or repeated options, a missing value, or a wrong number of
    /// arguments.</exception>
    public static CommandLine Parse(CommandSpec spec, IEnumerable<string> args)
    {
        var (command, options, arguments) = Build(spec);
        var tokens = args.ToArray();
        var result = command.Parse(tokens, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var line = new CommandLine(spec);
        if (result.Errors.Count > 0) throw line.Error(Describe(spec, result, tokens));
        foreach (var (name, option) in options)
        {
            if (result.GetResult(option) is not { Implicit: false } found) continue;
            line._options[name] = option is Option<string> text ? result.GetValue(text) : null;
        }
        foreach (var argument in arguments) line.Positionals.Add(result.GetValue(argument)!);
        return line;
    }

    /// <summary>The help of <paramref name="spec"/>, as <c>MpiDescent COMMAND --help</c> prints it (120
    /// columns).</summary>
    public static string Help(CommandSpec spec)
    {
        var (command, _, _) = Build(spec);
        var root = new Command("MpiDescent") { command };
        var help = new HelpOption { Recursive = true };
        ((HelpAction)help.Action!).MaxWidth = 120;
        root.Options.Add(help);
        var text = new StringWriter();
        root.Parse([spec.Name, "--help"]).Invoke(new InvocationConfiguration { Output = text });
        var lines = text.ToString().Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd());
        return string.Join("\n", lines).Trim() + "\n";
    }

    private static (Command Command, List<(string Name, Option Option)> Options, List<Argument<string>> Arguments)
        Build(CommandSpec spec)
    {
        var command = new Command(spec.Name, spec.Description.Trim());
        var options = new List<(string, Option)>();
        foreach (var o in spec.Options)
        {
            Option option = o.Value is null
                ? new Option<bool>("--" + o.Name) { Description = o.Help }
                : new Option<string>("--" + o.Name) { Description = o.Help, HelpName = o.Value };
            command.Options.Add(option);
            options.Add((o.Name, option));
        }
        var arguments = spec.Arguments.Select(a =>
            new Argument<string>(a) { Description = CommandSpec.ArgumentHelp(a) })
            .ToList();
        foreach (var a in arguments) command.Arguments.Add(a);
        return (command, options, arguments);
    }

    /// <summary>The first parse error in this program's words, with the closest option for a mistyped one.</summary>
    private static string Describe(CommandSpec spec, ParseResult result, string[] tokens)
    {
        foreach (var token in tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal) && t.Length > 2))
        {
            string name = token[2..].Split('=')[0];
            if (spec.Find(name) is null)
                return $"unknown option --{name}" + (Closest(spec, name) is string close
                    ? $" (did you mean --{close}?)" : "");
        }
        string first = result.Errors[0].Message;
        if (Quoted(first, "Required argument missing for option: '") is string option) return $"{option} needs a value";
        if (Quoted(first, "Required argument '") is string argument) return $"missing {argument}";
        if (Quoted(first, "Unrecognized command or argument '") is string extra) return $"unexpected argument " +
            $"'{extra}'";
        if (Quoted(first, "Option '") is string repeated && first.Contains("expects a single argument",
            StringComparison.Ordinal))
            return $"{repeated} is given more than once; give it once";
        return first;
    }

    /// <summary>The text between <paramref name="prefix"/> and the next quote, when <paramref name="message"/> starts
    /// with the prefix.</summary>
    private static string? Quoted(string message, string prefix)
    {
        if (!message.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int end = message.IndexOf('\'', prefix.Length);
        return end < 0 ? null : message[prefix.Length..end];
    }

    private static string? Closest(CommandSpec spec, string name)
    {
        var best = spec.Options.Select(o => (o.Name, Distance: Levenshtein(o.Name, name))).OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3) ? best.Name : null;
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>A usage error for this command.</summary>
    public UsageException Error(string message) => new($"{message}\nRun 'MpiDescent {_spec.Name} --help' for usage.");

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
    public string Choice(string name, string fallback, params IEnumerable<string> choices)
    {
        var v = Text(name, fallback)!;
        var all = choices.ToArray();
        return all.Contains(v) ? v : throw Error($"--{name} must be one of {string.Join(", ", all)}; got '{v}'");
    }

    /// <summary>The command's positional arguments are all there (System.CommandLine has checked their
    /// count).</summary>
    public void RequirePositionals()
    {
        if (Positionals.Count != _spec.Arguments.Length) throw Error($"expected {string.Join(" ", _spec.Arguments)}");
    }
}
