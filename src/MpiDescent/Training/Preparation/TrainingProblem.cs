using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Model;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Privacy;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>What a resumed run takes from its checkpoint when the settings leave it open: the learning rate actually
/// used, where it came from, and the seed actually drawn.</summary>
public sealed record ResumedChoices(double LearningRate, string LearningRateSource, ulong Seed);

/// <summary>
/// A training problem ready to solve, built from an open data file and <see cref="TrainingSettings"/> by every rank
/// together: the partition of rows, this rank's shard, the labels checked and mapped (0/1 to −1/+1), class counts and
/// weights, standardization, row weights and the validation split, the distributed objective, the seed (from rank 0)
/// and the learning rate (1/L from a power iteration unless given). Every step that can fail on some ranks only is
/// agreed (<see cref="Collective"/>), so a failure ends every rank with one message. The command line only parses,
/// calls this and prints; a library caller can train the same way. </summary>
public sealed class TrainingProblem
{
    private TrainingProblem(TrainingSettings settings, DataShard shard, RowPartition partition, ICommunicator comm,
        LinearObjective objective, FeatureScaling? scaling, long[]? classCounts, double negativeLabel, ulong seed,
        RunControl? control)
    {
        _control = control;
        Settings = settings;
        Shard = shard;
        Partition = partition;
        Communicator = comm;
        Objective = objective;
        Scaling = scaling;
        ClassCounts = classCounts;
        NegativeLabel = negativeLabel;
        Seed = seed;
    }

    private readonly RunControl? _control;
    private PrivateSgd? _private;
    private RowWeights? _rowWeights; // the objective's row weights (null: every weight is 1)
    private double? _largestCurvature; // the power iteration's λ_max of X̃ᵀX̃/m, once estimated
    private int[]? _touched; // the original index of each renumbered feature of a partitioned sparse shard

    /// <summary>What was asked for.</summary>
    public TrainingSettings Settings { get; }
    /// <summary>This rank's rows.</summary>
    public DataShard Shard { get; }
    /// <summary>The rows' blocks and each rank's slice.</summary>
    public RowPartition Partition { get; }
    /// <summary>The job's communicator.</summary>
    public ICommunicator Communicator { get; }
    /// <summary>The distributed objective.</summary>
    public LinearObjective Objective { get; }
    /// <summary>Where each parameter lives in θ.</summary>
    public ParameterLayout Layout => Objective.Layout;
    /// <summary>The standardization, or null.</summary>
    public FeatureScaling? Scaling { get; }
    /// <summary>Rows per class (negative, positive for binary losses; per class for softmax), or null.</summary>
    public long[]? ClassCounts { get; }
    /// <summary>The negative class's label as the data has it (0 or −1), for binary losses.</summary>
    public double NegativeLabel { get; }
    /// <summary>The seed of the run (rank 0's, the same on every rank).</summary>
    public ulong Seed { get; }
    /// <summary>The learning rate used (0 when the solver takes none).</summary>
    public double LearningRate { get; private set; }
    /// <summary>Where the learning rate came from: given, auto (with L), or none.</summary>
    public string LearningRateSource { get; private set; } = "none";
    /// <summary>Differentially private SGD as planned (σ given or calibrated), or null.</summary>
    public PrivacyPlan? Privacy { get; private set; }
    /// <summary>The privacy spent by <see cref="Solve"/> so far (null when not private).</summary>
    public PrivacyGuarantee? PrivacySpent => _private?.Spent;
    /// <summary>The class weights applied (negative, positive).</summary>
    public (double Negative, double Positive) ClassWeights =>
        (Objective.Settings.NegativeClassWeight, Objective.Settings.PositiveClassWeight);

    /// <summary>The fewest and most rows any rank holds.</summary>
    public (long Min, long Max) RowsPerRank
    {
        get
        {
            var sizes = Enumerable.Range(0, Partition.Ranks).Select(Partition.RowsOf)
                .Select(x => x.End - x.Start).ToArray();
            return (sizes.Min(), sizes.Max());
        }
    }

    /// <summary>Builds the problem (collective).</summary>
    /// <param name="file">The data file, open on every rank (the ranks have agreed it is the same file).</param>
    /// <param name="settings">What to train (validated here).</param>
    /// <param name="comm">The job's communicator.</param>
    /// <param name="log">Where set-up messages go.</param>
    /// <param name="control">Agreed stop and checkpoint requests, carried in the objective's reduction.</param>
    /// <param name="resumed">A checkpoint's choices, when resuming.</param>
    public static TrainingProblem Build(DataFile file, TrainingSettings settings, ICommunicator comm, TrainingLog log,
        RunControl? control = null, ResumedChoices? resumed = null)
    {
        var errors = log.Errors;
        var header = file.Header;
        Collective.Agree(comm, errors, () => CheckAgainstData(file.Path, header, settings));
        var partition = new RowPartition(header.Rows, comm.Size);
        var (rowStart, rowEnd) = partition.RowsOf(comm.Rank);
        settings = PartitionWhenTooLarge(header, rowEnd - rowStart, settings, comm, log);
        Collective.Agree(comm, errors, () => MemoryEstimate.Check(file.Path, header, rowEnd - rowStart, comm.Rank,
            comm.Size, settings, MemoryLimitForTests()));
        var shard = Collective.Agree(comm, errors,
            () => ShardLoader.Load(file, rowStart, rowEnd, comm.Rank, () => control?.StopRequested == true));
        ulong seed = resumed is not null && settings.Seed is null ? resumed.Seed
            : comm.BroadcastFromRoot(settings.Seed ?? (settings.Privacy is null ? (ulong)Random.Shared.NextInt64()
                : BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))));
        var privacy = settings.Privacy is { } asked
            ? Collective.Agree(comm, errors, () => PrivacyPlan.For(asked, header.Rows, settings.BatchSize,
                settings.Epochs))
            : null;
        if (privacy is not null) LogPrivacy(privacy, header.Rows, settings.Epochs, log);
        // Local label checks are agreed on their own: a step inside Agree must not enter a collective after a local
        // failure (Collective's rule).
        var sliceLabels = settings.Loss == LossKind.Squared ? null
            : Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, settings.Loss));
        double negativeLabel = -1;
        long[]? classCounts = null;
        var objectiveSettings = Collective.Agree(comm, errors,
            () => ObjectiveFor(settings, shard, comm, log, sliceLabels, out negativeLabel, out classCounts));
        var scaling = settings.Standardize
            ? FeatureScaling.Compute(shard, header.Rows, comm, settings.FitIntercept, settings.Summation) : null;
        scaling?.Apply(shard);
        var rowWeights = Collective.Agree(comm, errors,
            () => RowWeights.Build(shard, objectiveSettings, settings.ValidationFraction, comm));
        if (rowWeights?.Validation is not null)
            log.Info($"validation: {rowWeights.ValidationRows} of {header.Rows} rows held out (fraction "
                + $"{settings.ValidationFraction.ToString(CultureInfo.InvariantCulture)}, "
                + $"{(settings.Loss == LossKind.Squared ? "by row index" : "stratified by class")}), patience "
                + $"{settings.Patience}");
        // A partitioned model over sparse rows keeps buffers for the features this rank's rows touch alone.
        var touched = settings.PartitionModel && shard.Features.IsSparse ? shard.Features.RenumberFeatures() : null;
        var objective = new LinearObjective(shard, partition, comm, objectiveSettings, control, rowWeights,
            settings.PartitionModel, touched);
        var problem = new TrainingProblem(settings, shard, partition, comm, objective, scaling, classCounts,
            negativeLabel, seed, control)
        { _touched = touched, Privacy = privacy, _rowWeights = rowWeights };
        (problem.LearningRate, problem.LearningRateSource) = Collective.Agree(comm, errors,
            () => problem.ChooseLearningRate(rowWeights, resumed));
        return problem;
    }

    /// <summary>sgd's class-balanced draws over this rank's training rows (rows of weight 0, validation rows among
    /// them, are never drawn), or null without --balance (collective).</summary>
    private ClassBalancedBatches? BalancedBatches()
    {
        if (Settings.Balance == BalanceMode.None) return null;
        var weights = Objective.RowTrainWeights;
        int classes = Settings.Loss.IsBinary() ? 2 : Objective.Settings.Classes;
        var classOf = new int[Shard.Rows];
        for (int i = 0; i < classOf.Length; i++)
            classOf[i] = !weights.IsEmpty && weights[i] == 0 ? -1
                : ValidationSplit.ClassIndex(Shard.Labels[i], classes);
        ulong seed = SplitMix64.Mix(Seed ^ 0xB5AD_4ECE_DA1C_E2A9UL);
        return new ClassBalancedBatches(classOf, classes, Settings.Balance, seed, Communicator);
    }

    /// <summary>The settings with <see cref="TrainingSettings.PartitionModel"/> set when some rank's replicated
    /// vectors would not fit its memory, every rank's partitioned ones would, and the solver supports a partitioned
    /// model (collective: the ranks agree by a max-reduction), said on the console.</summary>
    private static TrainingSettings PartitionWhenTooLarge(DataFileHeader header, long rows, TrainingSettings settings,
        ICommunicator comm, TrainingLog log)
    {
        if (settings.PartitionModel || comm.Size == 1 || !settings.Solver.SupportsPartitionedModel) return settings;
        long? limit = MemoryLimitForTests();
        var replicated = MemoryEstimate.For(header, rows, settings, comm.Size);
        var partitioned = settings with { PartitionModel = true };
        Span<int> misfits = [MemoryEstimate.Fits(header, rows, comm.Size, settings, limit) ? 0 : 1,
            MemoryEstimate.Fits(header, rows, comm.Size, partitioned, limit) ? 0 : 1];
        comm.Allreduce(misfits, ReduceOperation.Max);
        if (misfits[0] == 0 || misfits[1] == 1) return settings;
        log.Info($"the replicated parameters and solver vectors ({MemoryEstimate.Gb(replicated.SolverVectors)} per " +
            $"rank) would not fit: the model is partitioned across the {comm.Size} ranks (--partition-model)");
        return partitioned;
    }

    /// <summary>When the solver stops: its limit and tolerances, or for a private run only its planned epochs (or
    /// divergence), since a stop decided from the private rows' loss or gradient would not be accounted for.</summary>
    public TerminationCriteria Termination => Privacy is not null
        ? new TerminationCriteria(Settings.Limit, 0, Unit: Settings.Solver.Unit)
        : new TerminationCriteria(Settings.Limit, Settings.Tolerance, RelativeLossTolerance: Settings.LossTolerance,
            Patience: Settings.Patience, Unit: Settings.Solver.Unit);

    /// <summary>The settings' method over this problem's objective, or, for the solvers that see the objective only
    /// as an <see cref="IObjective"/> (<see cref="SolverInfo.Batchable"/>), over <paramref name="objective"/>, which
    /// stands for it (a member of a batch).</summary>
    public IIterativeMethod CreateMethod(IObjective? objective = null)
    {
        var s = Settings;
        objective ??= Objective;
        if (!ReferenceEquals(objective, Objective) && !s.Solver.Batchable)
            throw new ArgumentException($"--solver {s.Solver.Name} needs the problem's own objective");
        var l1 = s.L1 > 0 ? new L1Penalty(s.L1, Layout.WeightCount, objective.Space) : null;
        double rate = LearningRate;
        if (Privacy is not null)
            return _private = new PrivateSgd(Objective, rate, s.BatchSize, Seed, Privacy, Shard.RowStart, Shard.Rows,
                l1, new LearningRateSchedule(s.Schedule), s.Momentum);
        return s.Solver.Kind switch
        {
            SolverKind.GradientDescent => new GradientDescent(objective, rate, s.LineSearch, l1),
            SolverKind.Sgd => new MiniBatchSgd(Objective, rate, s.BatchSize, Seed, l1,
                new LearningRateSchedule(s.Schedule), BalancedBatches()),
            SolverKind.Lbfgs => l1 is null ? new Lbfgs(objective) : new OwlQn(objective, l1),
            SolverKind.Momentum => new MomentumDescent(objective, rate, s.Momentum, nesterov: false),
            SolverKind.Nesterov => new MomentumDescent(objective, rate, s.Momentum, nesterov: true),
            SolverKind.Adam => new Adam(objective, rate),
            SolverKind.Newton => new TruncatedNewton(Objective, s.L2),
            SolverKind.DualCoordinate => new DualCoordinateDescent(Objective, Shard, Partition, Communicator, Seed),
            _ => new ExactSolve(Objective, Shard, Partition, Communicator),
        };
    }

    /// <summary>The same rows with other penalties and, for a fold of cross-validation, other row weights: the
    /// objective and learning rate a run with these settings would have (collective; the power iteration's estimate
    /// of the data's curvature is this problem's, not made again).</summary>
    /// <param name="l1">λ₁.</param>
    /// <param name="l2">λ₂.</param>
    /// <param name="weights">The rows' weights (e.g. <see cref="RowWeights.ForFold"/>), or null for this
    /// problem's.</param>
    public TrainingProblem Variant(double l1, double l2, RowWeights? weights = null)
    {
        if (Settings.PartitionModel || Privacy is not null)
            throw new NotSupportedException("variants of a partitioned or private problem");
        weights ??= _rowWeights;
        var objective = new LinearObjective(Shard, Partition, Communicator, Objective.Settings with { L2 = l2 },
            _control, weights);
        var problem = new TrainingProblem(Settings with { L1 = l1, L2 = l2 }, Shard, Partition, Communicator,
            objective, Scaling, ClassCounts, NegativeLabel, Seed, _control)
        { _rowWeights = weights, _largestCurvature = _largestCurvature };
        (problem.LearningRate, problem.LearningRateSource) = problem.ChooseLearningRate(weights, null);
        _largestCurvature ??= problem._largestCurvature;
        return problem;
    }

    /// <summary>Runs the solver under <see cref="SolverLoop"/> from θ = 0 (or the hooks' resumed state).</summary>
    public OptimizationResult Solve(SolverHooks hooks)
    {
        var s = Settings;
        var termination = Termination;
        var space = Objective.Space;
        IIterativeMethod method = CreateMethod();
        if (!space.IsPartitioned)
            return new SolverLoop(Objective, termination, hooks).Run(method, new double[Objective.Dimension]);
        // Checkpoints receive this rank's slices (the writer puts each at its offset of one file beside the
        // checkpoint); a resume takes its slices of whole vectors, or of slices read as such.
        bool vectors = s.Solver.StateIsParameterVectors;
        var sliced = hooks with
        {
            ResumeFrom = hooks.ResumeFrom is { } resume
                ? resume.Slices is not null ? resume : Reslice(resume, vectors, v => space.SliceOf(v)) : null,
            Checkpoint = hooks.Checkpoint is { } write ? state => write(state with { Slices = space }) : null,
        };
        var result = new SolverLoop(Objective, termination, sliced).Run(method, new double[space.Length]);
        // No point at all (the first evaluation overflowed): rank 0 always owns parameters, so it can tell.
        bool noModel = Communicator.BroadcastFromRoot(result.Point.Length == 0 ? 1 : 0) != 0;
        return noModel ? result : result with { Point = space.Gather(result.Point) };
    }

    /// <summary>Says what the private run will spend, and warns of a δ that is not small against 1/m.</summary>
    private static void LogPrivacy(PrivacyPlan plan, long rows, int epochs, TrainingLog log)
    {
        var planned = plan.After((long)plan.StepsPerEpoch * epochs);
        static string G(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        log.Info("differential privacy: noise multiplier " + G(plan.NoiseMultiplier, "G6")
            + (plan.TargetEpsilon is null ? "" : " (calibrated)") + ", clip norm " + G(plan.ClipNorm, "G6")
            + ", Poisson sampling rate " + G(plan.SamplingRate, "G6") + $", {plan.StepsPerEpoch} steps per epoch; "
            + $"{epochs} epochs spend epsilon {G(planned.Epsilon, "G4")} at delta {G(plan.Delta, "G3")}");
        if (plan.Delta >= 1.0 / rows)
            log.Warning($"--dp-delta {G(plan.Delta, "G3")} is not below 1/rows = {G(1.0 / rows, "G3")}: a mechanism " +
                "that publishes one row in full satisfies such a delta; choose delta well below 1/rows");
    }

    /// <summary>A solver state with its point, and its other vectors when <paramref name="vectors"/>, mapped by
    /// <paramref name="map"/> (from all of θ to this rank's slice).</summary>
    private static SolverState Reslice(SolverState state, bool vectors, Func<double[], double[]> map) =>
        state with
        {
            Point = map(state.Point),
            Auxiliary = vectors ? state.Auxiliary?.Select(map).ToArray() : state.Auxiliary,
        };

    /// <summary>θ on the raw features: the solver's θ mapped back through the standardization, if any.</summary>
    public double[] ModelParameters(double[] point) => Scaling?.ToOriginalScale(point, Layout) ?? point;

    /// <summary>J* for the plot's suboptimality when it can be had exactly and cheaply: least squares (with any L2, no
    /// L1) and up to 2000 features, by the normal equations (collective; null otherwise or when they are
    /// singular).</summary>
    public double? KnownOptimum()
    {
        if (Settings.Loss != LossKind.Squared || Settings.L1 > 0 || Shard.FeatureCount > 2000 || _touched is not null)
            return null;
        try
        {
            var solution = NormalEquations.Solve(Shard, Partition, Communicator, Settings.FitIntercept,
                Settings.Summation,
                Settings.L2);
            var space = Objective.Space;
            return Objective.Evaluate(space.SliceOf(solution), new double[space.Length]);
        }
        catch (MpiDescentException) { return null; } // singular on every rank alike: plot the loss instead
    }

    /// <summary><c>MPIDESCENT_MEMORY_BYTES</c>: the memory a node is taken to have, instead of what the runtime sees
    /// (tests; a job whose nodes report more than the job may use).</summary>
    private static long? MemoryLimitForTests() =>
        long.TryParse(Environment.GetEnvironmentVariable("MPIDESCENT_MEMORY_BYTES"), NumberStyles.Integer,
            CultureInfo.InvariantCulture, out long bytes) && bytes > 0 ? bytes : null;

    /// <summary>The most features <c>--solver exact</c> takes (its d × d matrix is 128 MB at 4096).</summary>
    public const int MaxExactFeatures = 4096;

    private static void CheckAgainstData(string path, DataFileHeader header, TrainingSettings settings)
    {
        settings.Validate();
        if (header.Rows == 0) throw new InputFileException(path, "has no rows");
        int d = header.Features;
        if (settings.Solver.Kind == SolverKind.Exact && d > MaxExactFeatures)
            throw new UsageException($"--solver exact forms the {d} × {d} normal equations, " +
                $"{8.0 * (d + 1) * (d + 1) / 1e9:G3} GB on every rank and O(d³) work; it is limited to " +
                $"{MaxExactFeatures} features{(header.Layout == DataLayout.Sparse ? " (this file is sparse)" : "")}: " +
                "use --solver lbfgs");
        if (header.ClassNames.Count > 0 && !settings.Loss.IsBinary() && !settings.Loss.IsMultiClass())
            throw new UsageException($"the labels of {path} are class names ({ClassList(header)}): use a " +
                "classification loss (--loss logistic, hinge, squared-hinge or softmax)");
        if (header.ClassNames.Count > 2 && settings.Loss.IsBinary())
            throw new UsageException($"{path} has {header.ClassNames.Count} classes ({ClassList(header)}): the " +
                $"{settings.Loss.Name()} loss takes two; use --loss softmax");
        if (settings.Solver.Stochastic && settings.BatchSize > header.Rows)
            throw new UsageException($"--batch-size {settings.BatchSize} exceeds the {header.Rows} rows of {path}");
    }

    private static string ClassList(DataFileHeader header) =>
        string.Join(", ", header.ClassNames.Take(10).Select((c, k) => $"{k} = {IO.PrintableText.Escape(c)}"))
        + (header.ClassNames.Count > 10 ? ", ..." : "");

    /// <summary>From the slices' already checked labels (<paramref name="local"/>): agrees on the label convention (and
    /// maps 0 to −1), reports the class counts, and works out the class weights (collective; fails only on reduced
    /// values).</summary>
    private static ObjectiveSettings ObjectiveFor(TrainingSettings settings, DataShard shard, ICommunicator comm,
        TrainingLog log, LabelCheck.SliceLabels? local, out double negativeLabel, out long[]? classCounts)
    {
        negativeLabel = -1;
        classCounts = null;
        var objective = new ObjectiveSettings(settings.Loss, settings.FitIntercept, settings.L2,
            Summation: settings.Summation);
        if (settings.Loss.IsMultiClass())
        {
            var perClass = LabelCheck.MultiClassCounts(shard, local!, comm);
            classCounts = perClass;
            log.Info($"classes: {perClass.Length} ({string.Join(", ", perClass.Select((c, k) => $"{k}: {c}"))})");
            if (settings.Balance == BalanceMode.None) return objective with { Classes = perClass.Length };
            // Balanced: each class weighs m/(K·count), as the binary losses' --class-weight balanced.
            double rows = perClass.Sum();
            var weights = perClass.Select(n => n > 0 ? rows / (perClass.Length * (double)n) : 1).ToArray();
            log.Info($"class weights (balanced): {string.Join(", ", weights.Select(w => w.ToString("G6",
                CultureInfo.InvariantCulture)))}");
            return objective with { Classes = perClass.Length, MultiClassWeights = weights };
        }
        if (!settings.Loss.IsBinary()) return objective;
        var counts = LabelCheck.Normalize(shard, local!, comm);
        negativeLabel = counts.NegativeLabel;
        classCounts = [counts.Negative, counts.Positive];
        var classWeights = settings.Balance == BalanceMode.None ? settings.ClassWeights
            : Preparation.ClassWeights.BalancedClasses;
        var (negative, positive) = classWeights.Resolve(counts.Negative, counts.Positive);
        log.Info($"classes: {counts.Negative} negative, {counts.Positive} positive"
            + (classWeights.Any ? $"; class weights {negative:G6} and {positive:G6}" : ""));
        if (counts.SingleClassRanks.Length > 0)
            log.Warning($"the slices of ranks {string.Join(",", counts.SingleClassRanks)} hold a single class (sorted "
                + "data?); the result is still correct, since gradients are summed over all ranks");
        return objective with { NegativeClassWeight = negative, PositiveClassWeight = positive };
    }

    /// <summary>The learning rate: given, from the checkpoint, ‖∇J(0)‖∞/L for adam, or 1/L (collective).</summary>
    private (double Rate, string Source) ChooseLearningRate(RowWeights? rowWeights, ResumedChoices? resumed)
    {
        if (!Settings.Solver.NeedsLearningRate) return (0, "none");
        if (Settings.LearningRate is double given) return (given, "given");
        if (resumed is not null && double.IsFinite(resumed.LearningRate) && resumed.LearningRate > 0)
            return (resumed.LearningRate, resumed.LearningRateSource);
        // λ_max of X̃ᵀX̃/m from a least-squares objective over the same rows, then the loss's curvature bound.
        // The estimate's passes carry the agreed stop requests too, so that a signal during it ends the run promptly.
        double largest;
        if (_largestCurvature is double known) largest = known;
        else
        {
            var gram = new LinearObjective(Shard, Partition, Communicator,
                new ObjectiveSettings(FitIntercept: Settings.FitIntercept, Summation: Settings.Summation), _control,
                partitionModel: Settings.PartitionModel, touchedFeatures: _touched);
            try { largest = StepSizeEstimator.LargestCurvature(gram, stop: () => _control?.StopAgreed == true); }
            catch (NonFiniteValueException e)
            {
                // Agreed on every rank, so the description's collectives are safe here.
                string cause = gram.DescribeNonFinite();
                throw new NonFiniteValueException($"estimating the learning rate, {e.Message}" +
                    (cause.Length > 0 ? $": {cause}" : "") + "; there is no finite model and none is written: check " +
                    "the data for huge values");
            }
            Objective.CountPasses(gram.Evaluations);
            if (_control?.StopAgreed == true) return (double.NaN, "auto: not estimated (stopped by a signal)");
            _largestCurvature = largest;
        }
        var s = Objective.Settings;
        // The data term's curvature scales with (largest row weight)·m/W; the weights are per rank, so take the
        // maximum over ranks.
        double largestWeight = rowWeights is null ? 1 : Communicator.Max(rowWeights.Train.DefaultIfEmpty(0).Max());
        double weightFactor = largestWeight * Objective.Rows / Objective.TotalWeight;
        double curvature = s.Loss.CurvatureBound() * largest * weightFactor + s.L2;
        string bound = curvature.ToString("G6", CultureInfo.InvariantCulture);
        if (Settings.Solver.Kind == SolverKind.Adam)
        {
            // Adam moves every parameter by about its rate per iteration: the rate is gradient descent's largest
            // first move, ‖∇J(0)‖∞/L, which suits the scale of the solution (labels in the thousands included).
            var space = Objective.Space;
            var gradient = new double[space.Length];
            Objective.Evaluate(new double[space.Length], gradient);
            double largestMove = space.MaxAbs(gradient) / curvature;
            return largestMove > 0 && double.IsFinite(largestMove)
                ? (largestMove, $"auto: |grad J(0)|_inf / L with L = {bound} (power iteration)")
                : (0.01, "auto: 0.01 for adam (the gradient at 0 is zero)");
        }
        return (1.0 / curvature, $"auto: 1/L with L = {bound} (power iteration)");
    }
}
