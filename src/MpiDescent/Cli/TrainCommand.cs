using System.Diagnostics;
using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Output;
using MpiDescent.Training;

namespace MpiDescent.Cli;

/// <summary><c>train</c>: every rank loads its slice, the solver runs on the distributed objective, rank 0 writes the model.</summary>
public static class TrainCommand
{
    /// <summary>Runs training; returns the exit code.</summary>
    public static int Run(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        var clock = Stopwatch.StartNew();
        bool root = comm.Rank == 0;
        var control = new RunControl { IsRoot = root };
        using var signals = new PreemptionSignals(control);
        var header = Collective.Agree(comm, errors, () => DataFileHeader.Read(options.DataPath));
        Collective.Agree(comm, errors, () => CheckAgainstData(options, header));
        var resume = options.ResumePath is null ? null : Collective.Agree(comm, errors, () => CheckpointFile.Read(options.ResumePath));
        var partition = new RowPartition(header.Rows, comm.Size);
        var (rowStart, rowEnd) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => DataShard.Load(options.DataPath, header, rowStart, rowEnd, comm.Rank));
        double loadSeconds = clock.Elapsed.TotalSeconds;
        ulong seed = resume is not null && options.Seed is null ? resume.Settings.Seed
            : (ulong)comm.BroadcastFromRoot((long)(options.Seed ?? (ulong)Random.Shared.NextInt64()));

        var (minRows, maxRows) = RowsPerRank(partition);
        double negativeLabel = -1;
        var objectiveSettings = Collective.Agree(comm, errors, () => ObjectiveFor(options, shard, header, comm, output, errors, out negativeLabel));
        var scaling = options.Standardize ? FeatureScaling.Compute(shard, header.Rows, comm, options.FitIntercept, options.Summation) : null;
        scaling?.Apply(shard);
        var rowWeights = Collective.Agree(comm, errors, () => RowWeights.Build(shard, objectiveSettings, options.ValidationFraction, comm));
        if (root && !options.Quiet && rowWeights?.Validation is not null)
            output.WriteLine($"validation: {rowWeights.ValidationRows} of {header.Rows} rows held out (fraction {options.ValidationFraction}, by row index), patience {options.Patience}");
        var objective = new LinearObjective(shard, partition, comm, objectiveSettings, control, rowWeights);
        var (learningRate, rateSource) = LearningRate(options, objective, shard, partition, comm, resume, rowWeights);
        var settings = new TrainingSettings(options.Solver, learningRate, rateSource, options.MaxIterations, options.Epochs, options.BatchSize,
            options.Tolerance, seed, options.FitIntercept, options.Standardize, options.Summation.ToString().ToLowerInvariant(),
            options.Loss.Name(), options.L2, objectiveSettings.NegativeClassWeight, objectiveSettings.PositiveClassWeight, options.LineSearch,
            options.Solver is "momentum" or "nesterov" ? options.Momentum : 0, options.L1, options.Schedule, options.LossTolerance,
            options.ValidationFraction, options.Patience);
        if (resume is not null)
            Collective.Agree(comm, errors, () => resume.CheckCompatible(options.ResumePath!, options.DataPath, header.ChecksumHex, settings,
                options.LearningRate is not null, options.Seed is not null));
        if (root && !options.Quiet)
            output.WriteLine($"MpiDescent: {header.Rows} rows x {header.Features} features from {options.DataPath} on {comm.Size} rank{(comm.Size == 1 ? "" : "s")} "
                + $"({minRows}-{maxRows} rows each, blocks of {partition.BlockRows}); solver {options.Solver}"
                + $", loss {options.Loss.Name()}" + (options.L2 > 0 ? $", l2 {options.L2:G6}" : "") + (options.L1 > 0 ? $", l1 {options.L1:G6}" : "")
                + (options.Solver is "exact" or "lbfgs" ? "" : $", learning rate {learningRate:G6} ({rateSource})")
                + (resume is null ? "" : $"; resuming from {options.ResumePath} at {(options.Solver == "sgd" ? "epoch" : "iteration")} {resume.State.Iteration}"));

        var checkpoints = new CheckpointWriter(options, comm, output, errors, state => new CheckpointFile
        {
            DataChecksum = header.ChecksumHex, Rows = header.Rows, Features = header.Features, Ranks = comm.Size,
            SavedUtc = DateTime.UtcNow, Settings = settings, State = state,
        });
        checkpoints.Arm(control);
        int logEvery = options.Verbose ? 1 : options.LogEvery > 0 ? options.LogEvery : options.Solver == "sgd" ? 1 : Math.Max(1, options.MaxIterations / 20);
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && !options.Verbose;
        int limit = options.Solver == "sgd" ? options.Epochs : options.MaxIterations;
        var reporter = new ProgressReporter(output, root && !options.Quiet, logEvery, options.Solver == "sgd" ? "epoch" : "iter", terminal, limit);
        var hooks = new SolverHooks(resume?.State, checkpoints.Write, options.CheckpointEvery, control,
            FaultInjection.Wrap(reporter.Report, comm.Rank, () => PreemptionSignals.RaiseTerminate(control)));
        var result = Collective.Agree(comm, errors, () => Solve(options, objective, shard, partition, comm, learningRate, seed, hooks));
        if (result.History.Count > 0) reporter.Final(result.History[^1]);

        var point = scaling?.ToOriginalScale(result.Point, options.FitIntercept, objectiveSettings.Loss == LossKind.Softmax ? objectiveSettings.Classes : 1) ?? result.Point;
        var differing = ConsensusCheck.RanksDifferingFromRoot(comm, point);
        if (differing.Length > 0)
            throw new InvalidOperationException($"ranks {string.Join(",", differing)} ended with weights different from rank 0's; the model is not saved");
        double? optimum = options.PlotPath is null ? null : KnownOptimum(options, objective, shard, partition, comm);
        var timing = GatherTiming(comm, loadSeconds, objective, clock.Elapsed.TotalSeconds);
        bool interrupted = result.Exit == ExitCondition.Interrupted;
        Collective.Agree(comm, errors, () =>
        {
            if (!root) return;
            if (!interrupted) Json.Write(options.ModelPath, Model(options, header, comm.Size, settings, result, point, negativeLabel, objectiveSettings.Classes));
            if (options.ReportPath is not null)
                Json.Write(options.ReportPath, new RunReport(Path.GetFullPath(options.DataPath), header.ChecksumHex, header.Rows, header.Features, comm.Size,
                    minRows, maxRows, partition.BlockRows, settings, result.Iterations, objective.Evaluations, result.Value, result.GradientNorm,
                    result.Exit.ToString(), result.ExitReason, timing, result.History));
            if (options.HistoryPath is not null) HistoryCsv.Write(options.HistoryPath, result.History);
            if (options.PlotPath is not null)
                ConvergencePlot.Write(options.PlotPath, result.History, optimum, $"{options.Solver}, {options.Loss.Name()} loss, {Path.GetFileName(options.DataPath)}");
        });
        if (root) PrintSummary(output, options, result, timing, comm.Size);
        return result.Exit switch
        {
            ExitCondition.Diverged => ExitCodes.Diverged,
            ExitCondition.Interrupted => ExitCodes.Interrupted,
            _ => ExitCodes.Success,
        };
    }

    private static void CheckAgainstData(TrainOptions options, DataFileHeader header)
    {
        if (header.Rows == 0) throw new InputFileException(options.DataPath, "has no rows");
        if (options.Solver == "sgd" && options.BatchSize > header.Rows)
            throw new UsageException($"--batch-size {options.BatchSize} exceeds the {header.Rows} rows of {options.DataPath}");
    }

    /// <summary>Checks the labels of a binary loss (and maps 0 to −1), reports the class counts, and works out the class
    /// weights and the total weight W (collective).</summary>
    private static ObjectiveSettings ObjectiveFor(TrainOptions options, DataShard shard, DataFileHeader header, ICommunicator comm,
        TextWriter output, TextWriter errors, out double negativeLabel)
    {
        negativeLabel = -1;
        var settings = new ObjectiveSettings(options.Loss, options.FitIntercept, options.L2, Summation: options.Summation);
        if (options.Loss == LossKind.Softmax)
        {
            var classCounts = LabelCheck.MultiClassCounts(shard, comm);
            if (comm.Rank == 0 && !options.Quiet)
                output.WriteLine($"classes: {classCounts.Length} ({string.Join(", ", classCounts.Select((c, k) => $"{k}: {c}"))})");
            return settings with { Classes = classCounts.Length };
        }
        if (!options.Loss.IsBinary()) return settings;
        var local = LabelCheck.CheckSlice(shard, options.Loss.Name());
        var counts = LabelCheck.Normalize(shard, local, comm);
        negativeLabel = counts.NegativeLabel;
        var (negative, positive) = options.ClassWeight switch
        {
            null => (1.0, 1.0),
            "balanced" => (header.Rows / (2.0 * counts.Negative), header.Rows / (2.0 * counts.Positive)),
            var text => TrainOptions.ParseClassWeights(text),
        };
        if (comm.Rank == 0 && !options.Quiet)
        {
            output.WriteLine($"classes: {counts.Negative} negative, {counts.Positive} positive"
                + (options.ClassWeight is null ? "" : $"; class weights {negative:G6} and {positive:G6}"));
            if (counts.SingleClassRanks.Length > 0)
                errors.WriteLine($"MpiDescent: warning: the slices of ranks {string.Join(",", counts.SingleClassRanks)} hold a single class "
                    + "(sorted data?); the result is still correct, since gradients are summed over all ranks");
        }
        return settings with
        {
            NegativeClassWeight = negative,
            PositiveClassWeight = positive,
            TotalWeight = negative * counts.Negative + positive * counts.Positive,
        };
    }

    private static (double Rate, string Source) LearningRate(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition,
        ICommunicator comm, CheckpointFile? resume, RowWeights? rowWeights)
    {
        if (options.Solver is "exact" or "lbfgs") return (0, "none");
        if (options.LearningRate is double given) return (given, "given");
        if (resume is not null) return (resume.Settings.LearningRate, resume.Settings.LearningRateSource);
        if (options.Solver == "adam") return (0.01, "auto: 0.01 for adam");
        // λ_max of X̃ᵀX̃/m from a least-squares objective over the same rows, then the loss's curvature bound.
        var gram = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: options.FitIntercept, Summation: options.Summation));
        double largest = StepSizeEstimator.LargestCurvature(gram);
        objective.CountPasses(gram.Evaluations);
        var s = objective.Settings;
        // The data term's curvature scales with (largest row weight)·m/W; the weights are per rank, so take the maximum over ranks.
        double largestWeight = rowWeights is null ? 1 : comm.AllGather([rowWeights.Train.DefaultIfEmpty(0).Max()]).Max();
        double weightFactor = largestWeight * objective.Rows / objective.TotalWeight;
        double curvature = StepSizeEstimator.CurvatureBound(s.Loss) * largest * weightFactor + s.L2;
        return (1.0 / curvature, $"auto: 1/L with L = {curvature.ToString("G6", CultureInfo.InvariantCulture)} (power iteration)");
    }

    private static OptimizationResult Solve(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition,
        ICommunicator comm, double learningRate, ulong seed, SolverHooks hooks)
    {
        var start = new double[objective.Dimension];
        var termination = new TerminationCriteria(options.Solver == "sgd" ? options.Epochs : options.MaxIterations, options.Tolerance,
            RelativeLossTolerance: options.LossTolerance, Patience: options.Patience);
        var l1 = options.L1 > 0 ? new L1Penalty(options.L1, shard.FeatureCount) : null;
        switch (options.Solver)
        {
            case "gd": return new GradientDescent(learningRate, termination, options.LineSearch, l1).Minimize(objective, start, hooks);
            case "sgd":
                return new MiniBatchSgd(learningRate, options.BatchSize, seed, termination, l1, new LearningRateSchedule(options.Schedule))
                    .Minimize(objective, start, hooks);
            case "lbfgs": return l1 is null ? new Lbfgs(termination).Minimize(objective, start, hooks) : new OwlQn(termination, l1).Minimize(objective, start, hooks);
            case "momentum": return new MomentumDescent(learningRate, options.Momentum, nesterov: false, termination).Minimize(objective, start, hooks);
            case "nesterov": return new MomentumDescent(learningRate, options.Momentum, nesterov: true, termination).Minimize(objective, start, hooks);
            case "adam": return new Adam(learningRate, termination).Minimize(objective, start, hooks);
        }
        var solution = NormalEquations.Solve(shard, partition, comm, options.FitIntercept, options.Summation, options.L2);
        var gradient = new double[solution.Length];
        double loss = objective.Evaluate(solution, gradient);
        double norm = VectorMath.Norm(gradient);
        return new OptimizationResult(solution, loss, norm, 0, ExitCondition.ExactSolution, "Cholesky solve of the normal equations",
            [new IterationRecord(0, loss, norm, 0)]);
    }

    private static ModelFile Model(TrainOptions options, DataFileHeader header, int ranks, TrainingSettings settings, OptimizationResult result,
        double[] point, double negativeLabel, int classes)
    {
        var model = BaseModel(options, header, ranks, settings, result, point, negativeLabel);
        if (options.Loss != LossKind.Softmax) return model;
        int d = header.Features;
        return model with
        {
            Weights = [],
            Intercept = 0,
            WeightMatrix = Enumerable.Range(0, classes).Select(k => point.AsSpan(k * d, d).ToArray()).ToArray(),
            Intercepts = options.FitIntercept ? point.AsSpan(classes * d, classes).ToArray() : new double[classes],
        };
    }

    private static ModelFile BaseModel(TrainOptions options, DataFileHeader header, int ranks, TrainingSettings settings, OptimizationResult result,
        double[] point, double negativeLabel) => new()
    {
        Loss = options.Loss.Name(),
        Objective = $"J(w,b) = (1/W) sum_i c_i l(x_i.w + b, y_i) + (l2/2)|w|^2 + l1 |w|_1 with l(z,y) = {options.Loss.Formula()}, "
            + "c_i the class weight of row i (1 without class weights), W = sum_i c_i",
        L2 = options.L2,
        L1 = options.L1,
        ClassLabels = options.Loss.IsBinary() ? [negativeLabel, 1] : null,
        FeatureNames = Enumerable.Range(0, header.Features).Select(header.FeatureName).ToArray(),
        Weights = point[..header.Features],
        Intercept = options.FitIntercept ? point[header.Features] : 0,
        DataFile = Path.GetFullPath(options.DataPath),
        DataChecksum = header.ChecksumHex,
        Rows = header.Rows,
        Ranks = ranks,
        Settings = settings,
        FinalLoss = result.Value,
        Iterations = result.Iterations,
        Exit = result.Exit.ToString(),
    };

    private static TimingSummary GatherTiming(ICommunicator comm, double loadSeconds, LinearObjective objective, double totalSeconds)
    {
        double peakMegabytes = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        var values = comm.AllGather([loadSeconds, objective.ComputeSeconds, objective.CommunicationSeconds, peakMegabytes]);
        RankStatistic Column(int k) => RankStatistic.Of(Enumerable.Range(0, comm.Size).Select(r => values[r * 4 + k]).ToArray());
        var compute = Column(1);
        return new TimingSummary(Column(0), compute, Column(2), totalSeconds, compute.MaxRank, Column(3));
    }

    /// <summary>J* for the plot's suboptimality when it can be had exactly and cheaply: least squares (with any L2, no L1)
    /// and up to 2000 features, by the normal equations (collective; null otherwise or when they are singular).</summary>
    private static double? KnownOptimum(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition, ICommunicator comm)
    {
        if (options.Loss != LossKind.Squared || options.L1 > 0 || shard.FeatureCount > 2000) return null;
        try
        {
            var solution = NormalEquations.Solve(shard, partition, comm, options.FitIntercept, options.Summation, options.L2);
            return objective.Evaluate(solution, new double[solution.Length]);
        }
        catch (MpiDescentException) { return null; } // singular on every rank alike: plot the loss instead
    }

    private static (long Min, long Max) RowsPerRank(RowPartition partition)
    {
        var sizes = Enumerable.Range(0, partition.Ranks).Select(r => partition.RowsOf(r)).Select(x => x.End - x.Start).ToArray();
        return (sizes.Min(), sizes.Max());
    }

    private static void PrintSummary(TextWriter output, TrainOptions options, OptimizationResult result, TimingSummary timing, int ranks)
    {
        var c = CultureInfo.InvariantCulture;
        if (ranks > 1) output.WriteLine($"weights identical on all {ranks} ranks");
        output.WriteLine(string.Create(c, $"exit: {result.Exit} after {result.Iterations} {(options.Solver == "sgd" ? "epochs" : "iterations")}: {result.ExitReason}"));
        if (result.Exit == ExitCondition.Interrupted)
            output.WriteLine($"checkpoint saved to {options.CheckpointPath}; continue with the same command plus --resume {options.CheckpointPath}");
        else
            output.WriteLine(string.Create(c, $"final loss {result.Value:R}  |grad| {result.GradientNorm:E3}"));
        output.WriteLine(string.Create(c, $"time {timing.TotalSeconds:F3} s; per rank (min / median / max, slowest rank):"));
        foreach (var (name, phase) in new[] { ("load", timing.Load), ("compute", timing.Compute), ("communication", timing.Communication) })
            output.WriteLine(string.Create(c, $"  {name,-14} {phase.Min:F3} / {phase.Median:F3} / {phase.Max:F3} s  (rank {phase.MaxRank})"));
        var memory = timing.PeakMemoryMegabytes;
        output.WriteLine(string.Create(c, $"  peak memory    {memory.Min:F0} / {memory.Median:F0} / {memory.Max:F0} MB (rank {memory.MaxRank})"));
        if (result.Exit != ExitCondition.Interrupted)
            output.WriteLine($"model written to {options.ModelPath}" + (options.ReportPath is null ? "" : $", report to {options.ReportPath}")
                + (options.HistoryPath is null ? "" : $", history to {options.HistoryPath}") + (options.PlotPath is null ? "" : $", plot to {options.PlotPath}"));
    }
}
