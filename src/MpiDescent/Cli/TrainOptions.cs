using MpiDescent.Numerics;

namespace MpiDescent.Cli;

/// <summary>Options of <c>train</c>, with their defaults, parsed and validated in one place before any data is read.</summary>
public sealed record TrainOptions
{
    /// <summary>The data file.</summary>
    public required string DataPath { get; init; }
    /// <summary>gd, sgd or exact.</summary>
    public string Solver { get; init; } = "gd";
    /// <summary>Fixed learning rate; null means automatic (1/L).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Iteration limit for gd.</summary>
    public int MaxIterations { get; init; } = 1000;
    /// <summary>Epochs for sgd.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Global mini-batch size for sgd.</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>Relative gradient-norm tolerance.</summary>
    public double Tolerance { get; init; } = 1e-6;
    /// <summary>Random seed; null means drawn by rank 0.</summary>
    public ulong? Seed { get; init; }
    /// <summary>Fit an intercept.</summary>
    public bool FitIntercept { get; init; } = true;
    /// <summary>Standardize features.</summary>
    public bool Standardize { get; init; }
    /// <summary>Summation mode.</summary>
    public Summation Summation { get; init; } = Summation.Reproducible;
    /// <summary>Where the model goes.</summary>
    public required string ModelPath { get; init; }
    /// <summary>Where the JSON report goes, if anywhere.</summary>
    public string? ReportPath { get; init; }
    /// <summary>Print every n-th iteration (0: automatic).</summary>
    public int LogEvery { get; init; }
    /// <summary>Print only errors and the summary.</summary>
    public bool Quiet { get; init; }
    /// <summary>Where checkpoints go (periodic ones, and the one written when a signal stops the run).</summary>
    public required string CheckpointPath { get; init; }
    /// <summary>Checkpoint every N iterations (gd) or epochs (sgd); 0: never.</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Checkpoint when this many seconds passed since the last one (rank 0's clock, agreed); 0: never.</summary>
    public double CheckpointInterval { get; init; }
    /// <summary>A checkpoint to continue from.</summary>
    public string? ResumePath { get; init; }

    private static readonly HashSet<string> Valued = ["solver", "learning-rate", "max-iterations", "epochs", "batch-size", "tolerance",
        "seed", "summation", "model", "report", "log-every", "checkpoint", "checkpoint-every", "checkpoint-interval", "resume"];
    private static readonly HashSet<string> Flags = ["no-intercept", "standardize", "quiet"];

    /// <summary>Parses the arguments after <c>train</c>.</summary>
    /// <exception cref="UsageException">Unknown, malformed, out-of-range or conflicting options.</exception>
    public static TrainOptions Parse(IEnumerable<string> args)
    {
        var line = CommandLine.Parse("train", args, Valued, Flags);
        line.RequirePositionals("DATA.bin");
        var data = line.Positionals[0];
        var solver = line.Choice("solver", "gd", "gd", "sgd", "exact");
        if (solver != "sgd")
            foreach (var option in new[] { "epochs", "batch-size" })
                if (line.Has(option)) throw line.Error($"--{option} applies only to --solver sgd");
        if (solver == "sgd" && line.Has("max-iterations")) throw line.Error("--max-iterations applies to gd; use --epochs with sgd");
        if (solver == "exact")
            foreach (var option in new[] { "learning-rate", "max-iterations", "tolerance", "seed", "checkpoint", "checkpoint-every", "checkpoint-interval", "resume" })
                if (line.Has(option)) throw line.Error($"--{option} does not apply to --solver exact (a direct solve)");
        var rate = line.Text("learning-rate", "auto");
        var model = line.Text("model") ?? DefaultModelPath(data);
        return new TrainOptions
        {
            DataPath = data,
            Solver = solver,
            LearningRate = rate == "auto" ? null : line.Double("learning-rate", 0, positive: true),
            MaxIterations = (int)line.Long("max-iterations", 1000, 0, int.MaxValue),
            Epochs = (int)line.Long("epochs", 10, 1, int.MaxValue),
            BatchSize = (int)line.Long("batch-size", 256, 1, int.MaxValue),
            Tolerance = line.Double("tolerance", 1e-6, max: 1),
            Seed = line.Has("seed") ? (ulong)line.Long("seed", 0) : null,
            FitIntercept = !line.Has("no-intercept"),
            Standardize = line.Has("standardize"),
            Summation = line.Choice("summation", "reproducible", "reproducible", "plain") == "plain" ? Summation.Plain : Summation.Reproducible,
            ModelPath = model,
            CheckpointPath = line.Text("checkpoint") ?? Path.ChangeExtension(model, ".checkpoint.json"),
            CheckpointEvery = (int)line.Long("checkpoint-every", 0, 1, int.MaxValue),
            CheckpointInterval = line.Double("checkpoint-interval", 0, positive: line.Has("checkpoint-interval")),
            ResumePath = line.Text("resume"),
            ReportPath = line.Text("report"),
            LogEvery = (int)line.Long("log-every", 0, 0, int.MaxValue),
            Quiet = line.Has("quiet"),
        };
    }

    /// <summary>data.bin → data.model.json beside it.</summary>
    public static string DefaultModelPath(string data) => Path.ChangeExtension(data, ".model.json");
}
