using System.Diagnostics;
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
        Collective.Agree(comm, errors, () => { if (root) options.CheckPaths(); });
        var header = Collective.Agree(comm, errors, () => DataFileHeader.Read(options.DataPath));
        Collective.Agree(comm, errors, () => CheckAgainstData(options, header));
        var resume = options.ResumePath is null ? null : Collective.Agree(comm, errors, () => CheckpointFile.Read(options.ResumePath));
        var partition = new RowPartition(header.Rows, comm.Size);
        var (rowStart, rowEnd) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => ShardLoader.Load(options.DataPath, header, rowStart, rowEnd, comm.Rank));
        double loadSeconds = clock.Elapsed.TotalSeconds;
        ulong seed = resume is not null && options.Seed is null ? resume.Settings.Seed
            : (ulong)comm.BroadcastFromRoot((long)(options.Seed ?? (ulong)Random.Shared.NextInt64()));

        var (minRows, maxRows) = TrainingSetup.RowsPerRank(partition);
        double negativeLabel = -1;
        long[]? classCounts = null;
        // Local label checks are agreed on their own: a step inside Agree must not enter a collective after a local failure.
        var sliceLabels = options.Loss == LossKind.Squared ? null : Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, options.Loss));
        var objectiveSettings = Collective.Agree(comm, errors,
            () => TrainingSetup.ObjectiveFor(options, shard, header, comm, output, errors, sliceLabels, out negativeLabel, out classCounts));
        var scaling = options.Standardize ? FeatureScaling.Compute(shard, header.Rows, comm, options.FitIntercept, options.Summation) : null;
        scaling?.Apply(shard);
        var rowWeights = Collective.Agree(comm, errors, () => RowWeights.Build(shard, objectiveSettings, options.ValidationFraction, comm));
        if (root && !options.Quiet && rowWeights?.Validation is not null)
            output.WriteLine($"validation: {rowWeights.ValidationRows} of {header.Rows} rows held out (fraction {options.ValidationFraction}, by row index), patience {options.Patience}");
        var objective = new LinearObjective(shard, partition, comm, objectiveSettings, control, rowWeights);
        long solvingStarted = Stopwatch.GetTimestamp(); // the history's time origin: step-size estimation counts
        var (learningRate, rateSource) = Collective.Agree(comm, errors,
            () => TrainingSetup.LearningRate(options, objective, shard, partition, comm, resume, rowWeights));
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
            FaultInjection.Wrap(reporter.Report, comm.Rank, () => PreemptionSignals.RaiseTerminate(control)), solvingStarted);
        var result = Collective.Agree(comm, errors, () => Solve(options, objective, shard, partition, comm, learningRate, seed, hooks));
        if (result.History.Count > 0) reporter.Final(result.History[^1]);

        var point = scaling?.ToOriginalScale(result.Point, options.FitIntercept, objectiveSettings.Loss == LossKind.Softmax ? objectiveSettings.Classes : 1) ?? result.Point;
        var differing = ConsensusCheck.RanksDifferingFromRoot(comm, point);
        if (differing.Length > 0)
            throw new InvalidOperationException($"ranks {string.Join(",", differing)} ended with weights different from rank 0's; the model is not saved");
        double? optimum = options.PlotPath is null ? null : TrainingSetup.KnownOptimum(options, objective, shard, partition, comm);
        var timing = TrainingOutputs.GatherTiming(comm, loadSeconds, objective, clock.Elapsed.TotalSeconds);
        bool interrupted = result.Exit == ExitCondition.Interrupted;
        Collective.Agree(comm, errors, () =>
        {
            if (!root) return;
            if (!interrupted) Json.Write(options.ModelPath, TrainingOutputs.Model(options, header, comm.Size, settings, result, point, negativeLabel, objectiveSettings.Classes));
            if (options.ReportPath is not null)
                Json.Write(options.ReportPath, new RunReport(Path.GetFullPath(options.DataPath), header.ChecksumHex, header.Rows, header.Features, comm.Size,
                    minRows, maxRows, partition.BlockRows, settings, result.Iterations, objective.Evaluations, result.Value, result.GradientNorm,
                    result.Exit.ToString(), result.ExitReason, timing, result.History, classCounts));
            if (options.HistoryPath is not null) HistoryCsv.Write(options.HistoryPath, result.History);
            if (options.PlotPath is not null)
                ConvergencePlot.Write(options.PlotPath, result.History, optimum, $"{options.Solver}, {options.Loss.Name()} loss, {Path.GetFileName(options.DataPath)}");
        });
        if (root) TrainingOutputs.PrintSummary(output, options, result, timing, comm.Size);
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

    private static OptimizationResult Solve(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition,
        ICommunicator comm, double learningRate, ulong seed, SolverHooks hooks)
    {
        var start = new double[objective.Dimension];
        var termination = new TerminationCriteria(options.Solver == "sgd" ? options.Epochs : options.MaxIterations, options.Tolerance,
            RelativeLossTolerance: options.LossTolerance, Patience: options.Patience);
        var l1 = options.L1 > 0 ? new L1Penalty(options.L1, objective.Layout.WeightCount) : null; // K·d weights for softmax
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
        long solveStart = hooks.Origin; // the history's clock, as for the iterative solvers
        var solution = NormalEquations.Solve(shard, partition, comm, options.FitIntercept, options.Summation, options.L2);
        objective.CountComputeSeconds(Stopwatch.GetElapsedTime(solveStart).TotalSeconds);
        objective.CountPasses(1);
        var gradient = new double[solution.Length];
        double loss = objective.Evaluate(solution, gradient); // one pass, for the reported loss and gradient norm
        double norm = VectorMath.Norm(gradient);
        // The solve's time (one pass for XᵀX, the reduction, Cholesky) and the checking pass, as an iterative run reports them.
        return new OptimizationResult(solution, loss, norm, 0, ExitCondition.ExactSolution, "Cholesky solve of the normal equations",
            [new IterationRecord(0, loss, norm, Stopwatch.GetElapsedTime(solveStart).TotalSeconds, objective.Evaluations)]);
    }
}
