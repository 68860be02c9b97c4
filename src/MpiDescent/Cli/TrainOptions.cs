using System.Globalization;
using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Cli;

/// <summary>Options of <c>train</c>, with their defaults, parsed and validated in one place before any data is read.</summary>
public sealed record TrainOptions
{
    /// <summary>The data file.</summary>
    public required string DataPath { get; init; }
    /// <summary>gd, sgd, exact, lbfgs, momentum, nesterov or adam.</summary>
    public string Solver { get; init; } = "gd";
    /// <summary>The per-example loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Squared;
    /// <summary>L2 strength λ₂ (the penalty is (λ₂/2)‖w‖², the intercept is not penalized).</summary>
    public double L2 { get; init; }
    /// <summary>L1 strength λ₁ (the penalty is λ₁‖w‖₁).</summary>
    public double L1 { get; init; }
    /// <summary>sgd learning-rate schedule.</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>Relative loss-change tolerance (0: off).</summary>
    public double LossTolerance { get; init; }
    /// <summary>Class weights: null (none), "balanced", or "NEG:w,POS:w".</summary>
    public string? ClassWeight { get; init; }
    /// <summary>Backtracking Armijo line search for gd.</summary>
    public bool LineSearch { get; init; }
    /// <summary>Momentum μ for momentum and nesterov.</summary>
    public double Momentum { get; init; } = 0.9;
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
    /// <summary>Print every iteration.</summary>
    public bool Verbose { get; init; }
    /// <summary>Fraction of rows held out for validation (0: none).</summary>
    public double ValidationFraction { get; init; }
    /// <summary>Early-stopping patience in iterations (or epochs) without validation improvement.</summary>
    public int Patience { get; init; }
    /// <summary>Where the loss history CSV goes, if anywhere.</summary>
    public string? HistoryPath { get; init; }
    /// <summary>Where the convergence plot PNG goes, if anywhere.</summary>
    public string? PlotPath { get; init; }
    /// <summary>Where checkpoints go (periodic ones, and the one written when a signal stops the run).</summary>
    public required string CheckpointPath { get; init; }
    /// <summary>Checkpoint every N iterations (gd) or epochs (sgd); 0: never.</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Checkpoint when this many seconds passed since the last one (rank 0's clock, agreed); 0: never.</summary>
    public double CheckpointInterval { get; init; }
    /// <summary>A checkpoint to continue from.</summary>
    public string? ResumePath { get; init; }

    private static readonly HashSet<string> Valued = ["solver", "learning-rate", "max-iterations", "epochs", "batch-size", "tolerance",
        "seed", "summation", "model", "report", "log-every", "checkpoint", "checkpoint-every", "checkpoint-interval", "resume",
        "loss", "l2", "class-weight", "momentum", "l1", "elastic-net", "regularization", "schedule", "loss-tolerance", "history", "plot", "validation-fraction", "patience"];
    private static readonly HashSet<string> Flags = ["no-intercept", "standardize", "quiet", "line-search", "verbose"];

    /// <summary>The solvers.</summary>
    public static readonly string[] Solvers = ["gd", "sgd", "exact", "lbfgs", "momentum", "nesterov", "adam"];

    /// <summary>Parses the arguments after <c>train</c>.</summary>
    /// <exception cref="UsageException">Unknown, malformed, out-of-range or conflicting options.</exception>
    public static TrainOptions Parse(IEnumerable<string> args)
    {
        var line = CommandLine.Parse("train", args, Valued, Flags);
        line.RequirePositionals("DATA.bin");
        var data = line.Positionals[0];
        var solver = line.Choice("solver", "gd", Solvers);
        var loss = LossKinds.Parse(line.Choice("loss", "squared", "squared", "logistic", "hinge", "squared-hinge", "softmax"));
        if (solver == "exact" && loss != LossKind.Squared) throw line.Error("--solver exact solves least squares only (--loss squared)");
        if (solver == "lbfgs" && line.Has("learning-rate")) throw line.Error("--learning-rate does not apply to lbfgs (it uses a Wolfe line search)");
        if (line.Has("line-search") && solver != "gd") throw line.Error("--line-search applies to --solver gd");
        if (line.Has("momentum") && solver is not ("momentum" or "nesterov")) throw line.Error("--momentum applies to --solver momentum or nesterov");
        if (line.Has("class-weight") && !loss.IsBinary()) throw line.Error("--class-weight applies to the binary losses (logistic, hinge, squared-hinge)");
        var classWeight = line.Text("class-weight");
        if (line.Has("quiet") && line.Has("verbose")) throw line.Error("--quiet and --verbose contradict each other");
        if (line.Text("plot") is string plot && !plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw line.Error($"--plot writes PNG: give a .png path, not '{plot}'");
        if (line.Has("patience") && !line.Has("validation-fraction")) throw line.Error("--patience needs --validation-fraction");
        if (line.Has("validation-fraction") && solver == "exact") throw line.Error("--validation-fraction needs an iterative solver");
        if (line.Has("schedule") && solver != "sgd") throw line.Error("--schedule applies to --solver sgd");
        if (line.Has("elastic-net") != line.Has("regularization")) throw line.Error("--elastic-net ALPHA and --regularization LAMBDA go together");
        if (line.Has("elastic-net") && (line.Has("l1") || line.Has("l2"))) throw line.Error("use either --elastic-net with --regularization, or --l1/--l2");
        double alpha = line.Double("elastic-net", 0, max: 1), lambda = line.Double("regularization", 0);
        double l1 = line.Has("elastic-net") ? alpha * lambda : line.Double("l1", 0);
        double l2 = line.Has("elastic-net") ? (1 - alpha) * lambda : line.Double("l2", 0);
        if (l1 > 0 && solver is not ("gd" or "sgd" or "lbfgs"))
            throw line.Error($"an L1 penalty needs --solver gd (proximal), sgd (proximal) or lbfgs (OWL-QN), not {solver}");
        if (classWeight is not null && classWeight != "balanced") ParseClassWeights(classWeight, line);
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
            Loss = loss,
            L2 = l2,
            L1 = l1,
            Schedule = line.Choice("schedule", "constant", "constant", "inverse-scaling", "step"),
            LossTolerance = line.Double("loss-tolerance", 0, max: 1),
            ClassWeight = classWeight,
            LineSearch = line.Has("line-search"),
            Momentum = line.Double("momentum", 0.9, max: 0.999999),
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
            Verbose = line.Has("verbose"),
            HistoryPath = line.Text("history"),
            ValidationFraction = line.Has("validation-fraction") ? line.Double("validation-fraction", 0, positive: true, max: 0.9) : 0,
            Patience = line.Has("validation-fraction") ? (int)line.Long("patience", 10, 1, int.MaxValue) : 0,
            PlotPath = line.Text("plot"),
        };
    }

    /// <summary>The files this run reads, named as the messages name them.</summary>
    public IReadOnlyList<NamedPath> InputPaths => ResumePath is null
        ? [new("the data file", DataPath)]
        : [new("the data file", DataPath), new("--resume", ResumePath)];

    /// <summary>The files this run may write (the checkpoint always: a signal writes one).</summary>
    public IReadOnlyList<NamedPath> OutputPaths =>
        new NamedPath?[]
        {
            new("--model", ModelPath), new("--checkpoint", CheckpointPath),
            ReportPath is null ? null : new("--report", ReportPath),
            HistoryPath is null ? null : new("--history", HistoryPath),
            PlotPath is null ? null : new("--plot", PlotPath),
        }.OfType<NamedPath>().ToArray();

    /// <summary>Checks every output path against the inputs and each other before anything is read
    /// (<see cref="IO.OutputPaths"/>); a checkpoint may be resumed from and written again.</summary>
    public void CheckPaths() => IO.OutputPaths.Check(InputPaths, OutputPaths, [("--checkpoint", "--resume")]);

    /// <summary>Parses "NEG:w,POS:w" (class labels as in the data, 0 or -1 and 1) into (negative, positive) weights.</summary>
    public static (double Negative, double Positive) ParseClassWeights(string text, CommandLine? line = null)
    {
        double negative = 1, positive = 1;
        foreach (var part in text.Split(','))
        {
            var pieces = part.Split(':');
            if (pieces.Length != 2 || !double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || !(w > 0) || !double.IsFinite(w))
                throw (line?.Error($"--class-weight must be 'balanced' or CLASS:WEIGHT,CLASS:WEIGHT with positive weights; got '{text}'")
                       ?? new UsageException($"bad class weights '{text}'"));
            switch (pieces[0].Trim())
            {
                case "0" or "-1": negative = w; break;
                case "1" or "+1": positive = w; break;
                default: throw (line?.Error($"--class-weight classes are 0 or -1 and 1; got '{pieces[0]}'") ?? new UsageException($"bad class '{pieces[0]}'"));
            }
        }
        return (negative, positive);
    }

    /// <summary>data.bin → data.model.json beside it.</summary>
    public static string DefaultModelPath(string data) => Path.ChangeExtension(data, ".model.json");
}
