using System.Globalization;
using MpiDescent.Data;
using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Output;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Privacy;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>The <c>train</c> command line: the data, what to train (<see cref="Settings"/>), and where the outputs go.
/// Parsed and checked in one place before any data is read.</summary>
public sealed record TrainOptions
{
    /// <summary>The data file; for a text input, first the text and, once <see cref="TrainCommand"/> has made its
    /// cache, the cache.</summary>
    public required string DataPath { get; init; }
    /// <summary>How a text input is converted (the options train shares with convert).</summary>
    public TextConversion Conversion { get; init; } = new();
    /// <summary>The conversion options given, by name (refused for a data file input).</summary>
    public IReadOnlyList<string> ConversionOptionsGiven { get; init; } = [];
    /// <summary>Where a text input's data file is cached (<c>--data-cache</c>; default beside the input).</summary>
    public string DataCachePath => DataCacheOption ?? TextDataCache.DefaultPath(DataPath);
    /// <summary><c>--data-cache</c>, if given.</summary>
    public string? DataCacheOption { get; init; }
    /// <summary>What to train.</summary>
    public required TrainingSettings Settings { get; init; }
    /// <summary>Where the model goes.</summary>
    public required string ModelPath { get; init; }
    /// <summary>Where the JSON report goes, if anywhere.</summary>
    public string? ReportPath { get; init; }
    /// <summary>A plan file whose prediction is compared with this run (<c>--plan</c>).</summary>
    public string? PlanPath { get; init; }
    /// <summary>Where the loss history CSV goes, if anywhere.</summary>
    public string? HistoryPath { get; init; }
    /// <summary>Where the convergence plot PNG goes, if anywhere.</summary>
    public string? PlotPath { get; init; }
    /// <summary>The optimal objective value J* the plot measures suboptimality against (null: known only for least
    /// squares).</summary>
    public double? ReferenceLoss { get; init; }
    /// <summary>Print every n-th iteration (0: automatic).</summary>
    public int LogEvery { get; init; }
    /// <summary>Print only errors and the summary.</summary>
    public bool Quiet { get; init; }
    /// <summary>Print every iteration.</summary>
    public bool Verbose { get; init; }
    /// <summary>Where checkpoints go (periodic ones, and the one written when a signal stops the run).</summary>
    public required string CheckpointPath { get; init; }
    /// <summary>Checkpoint every N iterations (or epochs); 0: never.</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Checkpoint when this many seconds passed since the last one (rank 0's clock, agreed); 0:
    /// never.</summary>
    public double CheckpointInterval { get; init; }
    /// <summary>A checkpoint to continue from.</summary>
    public string? ResumePath { get; init; }
    /// <summary>Exit 8 (<see cref="ExitCodes.NotConverged"/>) when the run ends short of its tolerance.</summary>
    public bool RequireConvergence { get; init; }
    /// <summary>Where the run's status file goes (beside the model by default).</summary>
    public required string StatusPath { get; init; }

    /// <summary>Where the path's or cross-validation's table goes as CSV, if anywhere.</summary>
    public string? CvOutputPath { get; init; }
    /// <summary>Where each row's fold goes as CSV, if anywhere.</summary>
    public string? CvFoldsOutputPath { get; init; }

    /// <summary>Whether this run trains several models: a regularization path, cross-validation, or both.</summary>
    public bool SearchesModels => Settings.Path is not null || Settings.Folds > 0;

    /// <summary>Where model <paramref name="index"/> (0-based) of a path without cross-validation goes: the model's
    /// path with .path-NN.json (1-based) for .json.</summary>
    public string PathModelPath(int index) =>
        System.IO.Path.ChangeExtension(ModelPath,
            $".path-{(index + 1).ToString("D2", CultureInfo.InvariantCulture)}.json");

    /// <summary>Seconds a collective may wait for another rank before the job ends as stalled (null: the
    /// default).</summary>
    public double? StallTimeout { get; init; }

    /// <summary>The solver.</summary>
    public SolverInfo Solver => Settings.Solver;

    /// <summary>The --dp-* options as privacy settings, or null when none is given.</summary>
    private static PrivacySettings? ParsePrivacy(CommandLine line)
    {
        string[] options = ["dp-noise", "dp-epsilon", "dp-clip", "dp-delta", "dp-optimizer"];
        if (!options.Any(line.Has)) return null;
        foreach (var needed in new[] { "dp-clip", "dp-delta" })
            if (!line.Has(needed))
                throw line.Error($"differentially private training needs --{needed} (" + (needed == "dp-clip"
                    ? "the norm each row's gradient is clipped to" : "the delta of the guarantee, well below 1/rows")
                    + ")");
        return new PrivacySettings(line.Double("dp-clip", 0, positive: true),
            line.Double("dp-delta", 0, positive: true, max: 1),
            line.Has("dp-noise") ? line.Double("dp-noise", 0, positive: true) : null,
            line.Has("dp-epsilon") ? line.Double("dp-epsilon", 0, positive: true) : null)
        {
            Update = line.Choice("dp-optimizer", "sgd", "sgd", "momentum", "adam") switch
            {
                "momentum" => PrivateUpdate.Momentum,
                "adam" => PrivateUpdate.Adam,
                _ => PrivateUpdate.Sgd,
            },
        };
    }

    /// <summary>Parses the arguments after <c>train</c>.</summary>
    /// <exception cref="UsageException">Unknown, malformed, out-of-range or conflicting options.</exception>
    public static TrainOptions Parse(IEnumerable<string> args)
    {
        var line = CommandLine.Parse(CommandDefinitions.Train, args);
        line.RequirePositionals();
        var data = line.Positionals[0];
        var solver = SolverCatalog.Get(line.Choice("solver", "gd", SolverCatalog.Names));
        var loss = LossKinds.Parse(line.Choice("loss", "squared", LossKinds.All.Select(k => k.Name())));
        if (line.Has("momentum") && solver.Kind is not (SolverKind.Momentum or SolverKind.Nesterov)
            && line.Text("dp-optimizer") != "momentum")
            throw line.Error("--momentum applies to --solver momentum or nesterov, and to --dp-optimizer momentum");
        if (line.Has("class-weight") && !loss.IsBinary())
            throw line.Error("--class-weight applies to the binary losses (logistic, hinge, squared-hinge)");
        if (line.Has("quiet") && line.Has("verbose")) throw line.Error("--quiet and --verbose contradict each other");
        if (line.Text("plot") is string plot && !plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw line.Error($"--plot writes PNG: give a .png path, not '{plot}'");
        if (line.Has("reference-loss") && !line.Has("plot"))
            throw line.Error("--reference-loss is the J* of --plot's suboptimality: give --plot too");
        if (!line.Has("regularization-path") && line.Has("elastic-net") != line.Has("regularization"))
            throw line.Error("--elastic-net ALPHA and --regularization LAMBDA go together");
        if (line.Has("elastic-net") && (line.Has("l1") || line.Has("l2")))
            throw line.Error("use either --elastic-net with --regularization, or --l1/--l2");
        double alpha = line.Double("elastic-net", 0, max: 1), lambda = line.Double("regularization", 0);
        if (!solver.Stochastic)
            foreach (var option in new[] { "epochs", "batch-size" })
                if (line.Has(option)) throw line.Error($"--{option} applies only to --solver sgd");
        if (solver.Stochastic && line.Has("max-iterations"))
            throw line.Error("--max-iterations applies to gd; use --epochs with sgd");
        if (!solver.Iterative)
            foreach (var option in new[] { "learning-rate", "max-iterations", "tolerance", "seed", "checkpoint",
                         "checkpoint-every", "checkpoint-interval", "resume" })
                if (line.Has(option)) throw line.Error($"--{option} does not apply to --solver {solver.Name} (a " +
                    $"direct solve)");
        var path = ParsePath(line, alpha);
        foreach (var option in new[] { "cv-select", "cv-folds-output" })
            if (line.Has(option) && !line.Has("cv")) throw line.Error($"--{option} applies to --cv");
        if (line.Has("cv-output") && path is null && !line.Has("cv"))
            throw line.Error("--cv-output applies to --cv or a regularization path");
        if (path is not null && !line.Has("cv"))
            foreach (var option in new[] { "report", "history", "plot" })
                if (line.Has(option)) throw line.Error($"--{option} describes one model: a path without --cv writes " +
                    "a model file per penalty; its table goes to --cv-output");
        if (line.Has("path-length") && path is null)
            throw line.Error("--path-length applies to --l2-path, --l1-path or --regularization-path");
        var rate = line.Text("learning-rate", "auto");
        var classWeight = line.Text("class-weight");
        var settings = new TrainingSettings
        {
            Loss = loss,
            Solver = solver,
            L1 = line.Has("elastic-net") ? alpha * lambda : line.Double("l1", 0),
            L2 = line.Has("elastic-net") ? (1 - alpha) * lambda : line.Double("l2", 0),
            ClassWeights = classWeight is null ? ClassWeights.None
                : classWeight == "balanced" ? ClassWeights.BalancedClasses : ParseClassWeights(classWeight, line),
            LearningRate = rate == "auto" ? null : line.Double("learning-rate", 0, positive: true),
            LineSearch = line.Has("line-search"),
            Momentum = line.Double("momentum", 0.9, max: 0.999999),
            MaxIterations = (int)line.Long("max-iterations", 1000, 0, int.MaxValue),
            Epochs = (int)line.Long("epochs", 10, 1, int.MaxValue),
            BatchSize = (int)line.Long("batch-size", 256, 1, int.MaxValue),
            Schedule = line.Choice("schedule", "constant", "constant", "inverse-scaling", "step"),
            Balance = line.Choice("balance", "none", "none", "oversample", "undersample") switch
            {
                "oversample" => BalanceMode.Oversample,
                "undersample" => BalanceMode.Undersample,
                _ => BalanceMode.None,
            },
            Tolerance = line.Double("tolerance", 1e-6, max: 1),
            LossTolerance = line.Double("loss-tolerance", 0, max: 1),
            ValidationFraction = line.Has("validation-fraction")
                ? line.Double("validation-fraction", 0, positive: true, max: 0.9) : 0,
            Patience = line.Has("validation-fraction") ? (int)line.Long("patience", 10, 1, int.MaxValue)
                : line.Has("patience") ? throw line.Error("--patience needs --validation-fraction") : 0,
            Seed = line.Has("seed") ? (ulong)line.Long("seed", 0) : null,
            FitIntercept = !line.Has("no-intercept"),
            Standardize = line.Has("standardize"),
            Summation = line.Choice("summation", "reproducible", "reproducible", "plain") == "plain"
                ? Summation.Plain : Summation.Reproducible,
            PartitionModel = line.Has("partition-model"),
            Privacy = ParsePrivacy(line),
            Path = path,
            Folds = line.Has("cv") ? (int)line.Long("cv", 0, 2, PenaltyPath.MaxModels) : 0,
            OneStandardError = line.Choice("cv-select", "min", "min", "1se") == "1se",
            WarmStart = line.Has("warm-start"),
        };
        try { settings.Validate(); }
        catch (UsageException e) { throw line.Error(e.Message); }
        if (settings.Privacy is not null)
            foreach (var option in new[] { "tolerance", "loss-tolerance", "require-convergence" })
                if (line.Has(option)) throw line.Error($"--{option} does not apply to differentially private " +
                    "training: it runs its planned epochs, since a stop decided from the private rows' loss would " +
                    "not be accounted for");
        var model = line.Text("model") ?? DefaultModelPath(data);
        return new TrainOptions
        {
            DataPath = data,
            Conversion = ConvertCommand.ParseConversion(line),
            ConversionOptionsGiven = ConvertCommand.ConversionOptionNames.Where(line.Has).ToArray(),
            DataCacheOption = line.Text("data-cache"),
            Settings = settings,
            ModelPath = model,
            CheckpointPath = line.Text("checkpoint") ?? Path.ChangeExtension(model, ".checkpoint.json"),
            StatusPath = line.Text("status") ?? Path.ChangeExtension(model, ".status.json"),
            CheckpointEvery = (int)line.Long("checkpoint-every", 0, 1, int.MaxValue),
            CheckpointInterval = line.Double("checkpoint-interval", 0, positive: line.Has("checkpoint-interval")),
            ResumePath = line.Text("resume"),
            ReportPath = line.Text("report"),
            PlanPath = line.Text("plan"),
            LogEvery = (int)line.Long("log-every", 0, 0, int.MaxValue),
            Quiet = line.Has("quiet"),
            RequireConvergence = line.Has("require-convergence"),
            Verbose = line.Has("verbose"),
            HistoryPath = line.Text("history"),
            PlotPath = line.Text("plot"),
            ReferenceLoss = line.Has("reference-loss") ? line.Double("reference-loss", 0) : null,
            StallTimeout = line.Has("stall-timeout") ? line.Double("stall-timeout", 0) : null,
            CvOutputPath = line.Text("cv-output"),
            CvFoldsOutputPath = line.Text("cv-folds-output"),
        };
    }

    /// <summary>The path of --l2-path, --l1-path or --regularization-path (with --elastic-net's
    /// <paramref name="alpha"/>) and --path-length, or null.</summary>
    private static PenaltyPath? ParsePath(CommandLine line, double alpha)
    {
        var given = new[] { ("l2-path", PenaltyKind.L2), ("l1-path", PenaltyKind.L1),
            ("regularization-path", PenaltyKind.ElasticNet) }.Where(p => line.Has(p.Item1)).ToArray();
        if (given.Length == 0) return null;
        if (given.Length > 1) throw line.Error("give one of --l2-path, --l1-path and --regularization-path");
        var (option, kind) = given[0];
        if (kind == PenaltyKind.ElasticNet ? !line.Has("elastic-net") : line.Has("elastic-net"))
            throw line.Error(kind == PenaltyKind.ElasticNet
                ? "--regularization-path varies the elastic net's strength: give --elastic-net A"
                : $"--{option} varies one penalty; for the elastic net use --regularization-path with --elastic-net");
        string varied = kind == PenaltyKind.L2 ? "l2" : kind == PenaltyKind.L1 ? "l1" : "regularization";
        if (line.Has(varied)) throw line.Error($"--{option} gives the {varied} penalties: drop --{varied}");
        (double strongest, double weakest) range;
        try { range = PenaltyPath.ParseRange(option, line.Text(option)!); }
        catch (UsageException e) { throw line.Error(e.Message); }
        int length = (int)line.Long("path-length", 10, 1, PenaltyPath.MaxModels);
        return new PenaltyPath(kind, range.strongest, range.weakest, length,
            kind == PenaltyKind.ElasticNet ? alpha : 0);
    }

    /// <summary>The files this run reads, named as the messages name them.</summary>
    public IReadOnlyList<NamedPath> InputPaths => new NamedPath?[]
    {
        new("the data file", DataPath), ResumePath is null ? null : new("--resume", ResumePath),
        PlanPath is null ? null : new("--plan", PlanPath),
    }.OfType<NamedPath>().ToArray();

    /// <summary>The files this run may write (the checkpoint always: a signal writes one; the model's weights file
    /// when the model is wide, <see cref="ModelWeightsFile"/>).</summary>
    public IReadOnlyList<NamedPath> OutputPaths =>
        new NamedPath?[]
        {
            new("--model", ModelPath), ModelWeightsFile.NamedFor(ModelPath),
            new("--checkpoint", CheckpointPath), new("--status", StatusPath),
            ReportPath is null ? null : new("--report", ReportPath),
            HistoryPath is null ? null : new("--history", HistoryPath),
            PlotPath is null ? null : new("--plot", PlotPath),
            CvOutputPath is null ? null : new("--cv-output", CvOutputPath),
            CvFoldsOutputPath is null ? null : new("--cv-folds-output", CvFoldsOutputPath),
        }.Concat(Settings is { Path: { } path, Folds: 0 } ? Enumerable.Range(0, path.Length)
            .SelectMany(k => new NamedPath?[] { new($"path model {k + 1}", PathModelPath(k)),
                ModelWeightsFile.NamedFor(PathModelPath(k)) }) : []).OfType<NamedPath>().ToArray();

    /// <summary>Checks every output path against the inputs and each other before anything is read
    /// (<see cref="IO.OutputPaths"/>); a checkpoint may be resumed from and written again. A text input's cache and
    /// its stamp are outputs too; conversion options with a data file input are refused.</summary>
    /// <param name="textInput">Whether the input is text to convert (<see cref="TextDataCache.IsDataFile"/>).</param>
    public void CheckPaths(bool textInput)
    {
        var misplaced = DataCacheOption is null ? ConversionOptionsGiven : [.. ConversionOptionsGiven, "data-cache"];
        if (!textInput && misplaced.Count > 0)
            throw new UsageException($"{string.Join(", ", misplaced.Select(o => "--" + o))} "
                + $"appl{(misplaced.Count == 1 ? "ies" : "y")} to a text input (CSV or LIBSVM), and {DataPath} is a "
                + "data file");
        var outputs = !textInput ? OutputPaths : OutputPaths.Prepend(new("--data-cache", DataCachePath))
            .Prepend(new("the data cache's stamp", TextDataCache.StampPath(DataCachePath))).ToArray();
        IO.OutputPaths.Check(textInput ? [new("the input", DataPath), .. InputPaths.Skip(1)] : InputPaths, outputs,
            [("--checkpoint", "--resume")]);
    }

    /// <summary>Parses "NEG:w,POS:w" (class labels as in the data, 0 or -1 and 1) into class weights.</summary>
    public static ClassWeights ParseClassWeights(string text, CommandLine line)
    {
        double negative = 1, positive = 1;
        foreach (var part in text.Split(','))
        {
            var pieces = part.Split(':');
            if (pieces.Length != 2 || !double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture,
                out double w)
                || !(w > 0) || !double.IsFinite(w))
                throw line.Error("--class-weight must be 'balanced' or CLASS:WEIGHT,CLASS:WEIGHT with positive " +
                    "weights; "
                    + $"got '{text}'");
            switch (pieces[0].Trim())
            {
                case "0" or "-1": negative = w; break;
                case "1" or "+1": positive = w; break;
                default: throw line.Error($"--class-weight classes are 0 or -1 and 1; got '{pieces[0]}'");
            }
        }
        return new ClassWeights(false, negative, positive);
    }

    /// <summary>data.bin → data.model.json beside it.</summary>
    public static string DefaultModelPath(string data) => Path.ChangeExtension(data, ".model.json");
}
