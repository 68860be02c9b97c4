using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Output;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Paths;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary><c>train</c>: checks the paths, opens the data on every rank, builds the problem, solves it, and has rank 0
/// write the model and reports. The work is the training layer's (<see cref="TrainingProblem"/>); this only calls and
/// prints.</summary>
public static class TrainCommand
{
    /// <summary>Runs training; returns the exit code.</summary>
    public static int Run(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        bool root = comm.Rank == 0;
        var control = new RunControl { IsRoot = root };
        using var signals = new PreemptionSignals(control);
        var status = new StatusWriter(options, comm);
        if (comm.Watchdog is { } watchdog)
        {
            if (options.StallTimeout is double seconds) watchdog.StallTimeout = TimeSpan.FromSeconds(seconds);
            watchdog.StopRequested = () => control.StopRequested;
            watchdog.BeforeAbort = message => status.Write(RunState.Stalled, ExitCodes.Stalled, message);
        }
        // Rank 0 decides whether the input is text to convert and tells the others, so that all take the same path.
        bool text = comm.BroadcastFromRoot(root && !TextDataCache.IsDataFile(options.DataPath) ? 1 : 0) == 1;
        Collective.Agree(comm, errors, () =>
        {
            if (!root) return;
            options.CheckPaths(text);
            status.Write(RunState.Running, null, "started");
        });
        try
        {
            if (text) options = WithCachedData(options, comm, output, errors);
            return Train(options, comm, output, errors, control, status);
        }
        catch (AgreedFailureException e)
        {
            status.Write(e.ExitCode == ExitCodes.Interrupted ? RunState.Interrupted : RunState.Failed, e.ExitCode,
                "ended by an error on every rank (see the job's error output)");
            throw;
        }
        catch (Exception e)
        {
            status.Write(RunState.Failed, e is MpiDescentException m ? m.ExitCode : ExitCodes.InternalError, e.Message);
            throw;
        }
    }

    private static int Train(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors,
        RunControl control, StatusWriter status)
    {
        var clock = Stopwatch.StartNew();
        bool root = comm.Rank == 0;
        var settings = options.Settings;
        var solver = settings.Solver;
        using var file = Collective.Agree(comm, errors, () => DataFile.Open(options.DataPath));
        Collective.Agree(comm, errors, () => DataAgreement.Check(comm, file));
        var header = file.Header;
        var resume = options.ResumePath is null ? null
            : Collective.Agree(comm, errors, () => CheckpointFile.Read(options.ResumePath));
        var resumeState = resume?.State is null ? null
            : WithWholeHistory(options.ResumePath!, resume, resume.State, comm, errors);
        var planned = options.PlanPath is null ? null : Collective.Agree(comm, errors, () =>
            root ? Planning.PlanFile.Read(options.PlanPath, header, options.DataPath) : null);
        var log = new TrainingLog(comm, output, errors, options.Quiet);
        var resumed = resume is null ? null
            : new ResumedChoices(resume.Settings.LearningRate, resume.Settings.LearningRateSource,
                resume.Settings.Seed);
        if (FaultInjection.SignalBeforeLoad(comm.Rank)) PreemptionSignals.RaiseTerminate(control);
        var problem = TrainingProblem.Build(file, settings, comm, log, control, resumed);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        LaunchTimeline.Mark("loaded");
        long solvingStarted = Stopwatch.GetTimestamp(); // the history's time origin: step-size estimation counts
        if (resume is not null)
            Collective.Agree(comm, errors, () => resume.CheckState(options.ResumePath!, problem.Objective.Dimension,
                problem.Partition.Rows));
        if (resume?.Vectors is { } beside)
        {
            // A partitioned run's checkpoint: each rank reads its slices (all of each vector when this run is
            // replicated) from the file beside it.
            var mine = problem.Objective.Space;
            var read = Collective.Agree(comm, errors, () =>
            {
                var vectors = beside.ReadSlices(options.ResumePath!, mine);
                if (solver.StateIsParameterVectors) resume.CheckValues(options.ResumePath!, vectors[1..]);
                return vectors;
            });
            resumeState = resumeState! with
            {
                Point = read[0],
                Auxiliary = solver.StateIsParameterVectors ? read[1..] : resumeState.Auxiliary,
                Slices = mine.IsPartitioned ? mine : null,
            };
        }
        var (negativeWeight, positiveWeight) = problem.ClassWeights;
        var recorded = RecordedSettings.Of(settings, problem.LearningRate, problem.LearningRateSource, problem.Seed,
            negativeWeight, positiveWeight, problem.Privacy);
        if (resume is not null)
            Collective.Agree(comm, errors, () =>
            {
                resume.CheckCompatible(options.ResumePath!, options.DataPath, header.ChecksumHex, recorded,
                    settings.LearningRate is not null, settings.Seed is not null);
                CheckSameSearch(options, resume);
            });
        var (minRows, maxRows) = problem.RowsPerRank;
        log.Info($"MpiDescent: {header.Rows} rows x {header.Features} features from {options.DataPath} on {comm.Size} "
            + $"rank{(comm.Size == 1 ? "" : "s")} ({minRows}-{maxRows} rows each, blocks of " +
                $"{problem.Partition.BlockRows}); "
            + $"solver {solver.Name}, loss {recorded.Loss}" + (settings.L2 > 0 ? $", l2 {settings.L2:G6}" : "")
            + (settings.L1 > 0 ? $", l1 {settings.L1:G6}" : "")
            + (solver.NeedsLearningRate ? $", learning rate {problem.LearningRate:G6} ({problem.LearningRateSource})"
                : "")
            + (resume is null ? "" : $"; resuming from {options.ResumePath}" + (resume.State is { } saved
                ? $" at {solver.Unit} {saved.Iteration}" + (resume.ModelSearch is null ? "" : " of the refit") : "")));
        var space = problem.Objective.Space;
        if (space.IsPartitioned)
            log.Info($"model partitioned: each rank owns {space.Slices.Counts.Min()}-{space.Slices.Counts.Max()} of " +
                $"the {space.Dimension} parameters and the solver's vectors for them (--partition-model)");

        // A cross-validation's refit is checkpointed with the run's own settings and its finished models.
        var checkpointed = recorded;
        Training.Paths.PathProgress? searchProgress = null;
        var checkpoints = new CheckpointWriter(options, comm, output, errors, state => new CheckpointFile
        {
            DataChecksum = header.ChecksumHex,
            Rows = header.Rows,
            Features = header.Features,
            Ranks = comm.Size,
            SavedUtc = DateTime.UtcNow,
            Settings = checkpointed,
            State = state,
            ModelSearch = searchProgress,
        });
        checkpoints.Arm(control);
        if (options.ResumePath is string from && Path.GetFullPath(from) == Path.GetFullPath(options.CheckpointPath))
            checkpoints.Adopt(resume?.Vectors?.File);
        int logEvery = options.Verbose ? 1 : options.LogEvery > 0 ? options.LogEvery
            : solver.Stochastic ? 1 : Math.Max(1, settings.MaxIterations / 20);
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && !options.Verbose;
        var reporter = new ProgressReporter(output, root && !options.Quiet, logEvery, solver.Stochastic ? "epoch"
            : "iter",
            terminal, settings.Limit);
        var hooks = new SolverHooks(resumeState, checkpoints.Write, options.CheckpointEvery, control,
            FaultInjection.Wrap(reporter.Report, comm.Rank, () => PreemptionSignals.RaiseTerminate(control)),
            solvingStarted);
        if (problem.Privacy is { } plan)
            hooks = hooks with
            {
                Progress = PrivacyReport.EachEpoch(plan, hooks.Progress,
                root && !options.Quiet ? output : null)
            };
        ModelSearchReport? search = null;
        PathOutcome? searched = null;
        if (options.SearchesModels)
        {
            // The models save their states for checkpoints as a single run does (--checkpoint-every, the interval,
            // a signal); a checkpoint holds every model's result or state, and the refit's state once it runs.
            searched = Collective.Agree(comm, errors, () => PathTraining.Run(problem, hooks, log, resume?.ModelSearch,
                checkpoints.WriteModelSearch, options.CheckpointEvery, options.Verbose ? TimeSpan.Zero : null));
            if (control.StopAgreed)
            {
                checkpoints.WriteModelSearch(searched.Progress);
                int finished = searched.Progress.Models.Count(m => m.Result is not null);
                string stopped = $"stopped by a signal: {finished} of {searched.Models.Count} models finished; the " +
                    $"others' states saved to {options.CheckpointPath}";
                if (root)
                {
                    errors.WriteLine($"MpiDescent: {stopped}");
                    output.WriteLine($"continue with the same command plus --resume {options.CheckpointPath}");
                }
                status.Write(RunState.Interrupted, ExitCodes.Interrupted, stopped,
                    checkpoint: options.CheckpointPath);
                return ExitCodes.Interrupted;
            }
            searchProgress = searched.Progress;
            if (root && !options.Quiet) ModelSearchOutputs.Print(output, searched, settings);
            var folds = options.CvFoldsOutputPath is null || searched.LocalFolds is null ? null
                : ModelSearchOutputs.GatherFolds(comm, searched.LocalFolds, problem.Partition);
            Collective.Agree(comm, errors, () =>
            {
                if (!root) return;
                if (options.CvOutputPath is string table) ModelSearchOutputs.WriteTable(table, searched!, settings);
                if (folds is not null) ModelSearchOutputs.WriteFolds(options.CvFoldsOutputPath!, folds);
            });
            if (settings.Folds == 0) return FinishPath(options, comm, output, errors, status, problem, recorded,
                searched, checkpoints);
            search = ModelSearchOutputs.Report(searched, settings);
            var chosen = searched.Scores[searched.Chosen];
            problem = problem.Variant(chosen.L1, chosen.L2);
            recorded = RecordedSettings.Of(problem.Settings, problem.LearningRate, problem.LearningRateSource,
                problem.Seed, negativeWeight, positiveWeight);
            log.Info($"cross-validation chose {search.Penalty} {PathTraining.Format(chosen.Strength)} (" +
                (settings.OneStandardError ? "the strongest within one standard error of the least mean loss"
                    : "the least mean validation loss") + $"): refitting it on all {header.Rows} rows");
        }
        LaunchTimeline.Mark("first-iteration");
        var result = Collective.Agree(comm, errors, () => problem.Solve(hooks));
        LaunchTimeline.Mark("solved");
        // A private model's seed would let anyone recompute its batches and noise: only the checkpoint keeps it.
        var published = problem.Privacy is null ? recorded : recorded with { Seed = 0 };
        if (result.History.Count > 0) reporter.Final(result.History[^1]);

        bool interrupted = result.Exit == ExitCondition.Interrupted, noModel = result.Point.Length == 0;
        var point = noModel ? [] : problem.ModelParameters(result.Point);
        var differing = ConsensusCheck.RanksDifferingFromRoot(comm, point);
        if (differing.Length > 0)
            throw new InvalidOperationException($"ranks {string.Join(",", differing)} ended with weights different " +
                $"from "
                + "rank 0's; the model is not saved");
        double? optimum = options.PlotPath is null || noModel ? null
            : options.ReferenceLoss ?? problem.KnownOptimum();
        var timing = TrainingOutputs.GatherTiming(comm, loadSeconds, problem.Objective, clock.Elapsed.TotalSeconds);
        var traffic = TrainingOutputs.GatherTraffic(comm, problem);
        var comparison = planned is null ? null : Compare(planned, options, header, timing, result, comm.Size);
        Collective.Agree(comm, errors, () =>
        {
            if (!root) return;
            if (!interrupted && !noModel)
                TrainingOutputs.Model(options, problem, published, result, point).Write(options.ModelPath);
            if (options.ReportPath is not null)
                Json.Write(options.ReportPath, TrainingOutputs.Report(options, problem, published, result, timing,
                    traffic, comparison) with
                { ModelSearch = search });
            if (options.HistoryPath is not null) HistoryCsv.Write(options.HistoryPath, result.History);
            if (options.PlotPath is not null && search is not null)
                PenaltyPlot.Write(options.PlotPath, search.Penalties.Select(p => p.Strength).ToArray(),
                    search.Penalties.Select(p => p.MeanValidationLoss).ToArray(),
                    search.Penalties.Select(p => p.StandardError).ToArray(), searched!.Best, searched.Chosen,
                    search.Penalty,
                    $"{settings.Folds}-fold cross-validation, {recorded.Loss} loss, " +
                    Path.GetFileName(options.DataPath));
            else if (options.PlotPath is not null && result.History.Count > 0)
                ConvergencePlot.Write(options.PlotPath, result.History, optimum,
                    $"{solver.Name}, {recorded.Loss} loss, {Path.GetFileName(options.DataPath)}", solver.Unit);
        });
        LaunchTimeline.Mark("written");
        if (root) TrainingOutputs.PrintSummary(output, options, result, timing, comm.Size, problem.Layout.WeightCount);
        if (root && comparison is not null) PrintComparison(output, comparison);
        if (root && result.FellShort) errors.WriteLine(ConvergenceAdvice.Warning(settings, result));
        int code = result.Exit switch
        {
            ExitCondition.Diverged => ExitCodes.Diverged,
            ExitCondition.Interrupted => ExitCodes.Interrupted,
            _ when result.FellShort && options.RequireConvergence => ExitCodes.NotConverged,
            _ => ExitCodes.Success,
        };
        if (!interrupted) RetireCheckpoint(options, comm, output, errors, checkpoints);
        var state = interrupted ? RunState.Interrupted : noModel || result.Exit == ExitCondition.Diverged
            ? (noModel ? RunState.Failed : RunState.Diverged)
            : result.FellShort ? RunState.NotConverged : RunState.Completed;
        status.Write(state, code, result.ExitReason, model: interrupted || noModel ? null : options.ModelPath,
            checkpoint: interrupted ? options.CheckpointPath : null);
        return code;
    }

    /// <summary>A completed run retires the checkpoint it wrote or resumed from (collective).</summary>
    private static void RetireCheckpoint(TrainOptions options, ICommunicator comm, TextWriter output,
        TextWriter errors, CheckpointWriter checkpoints)
    {
        var retired = Collective.Agree(comm, errors, () =>
            checkpoints.Retire(resumedFromIt: options.ResumePath is string r
            && Path.GetFullPath(r) == Path.GetFullPath(options.CheckpointPath)));
        if (comm.Rank == 0 && retired is not null)
            output.WriteLine($"checkpoint {options.CheckpointPath} retired as {retired}: the run is complete, so "
                + "submitting the same job again starts afresh");
    }

    /// <summary>Refuses a checkpoint of a single model for a path or cross-validation and the reverse, and one made
    /// for another path, folds or starts.</summary>
    private static void CheckSameSearch(TrainOptions options, CheckpointFile resume)
    {
        string path = options.ResumePath!;
        if (options.SearchesModels && resume.ModelSearch is null)
            throw new UsageException($"{path} is a checkpoint of a single model's run; this run trains a " +
                "regularization path or cross-validation: incompatible with --resume");
        if (!options.SearchesModels && resume.ModelSearch is not null)
            throw new UsageException($"{path} is a checkpoint of a regularization path or cross-validation " +
                $"({resume.ModelSearch.Description}); this run trains one model: incompatible with --resume");
        if (resume.ModelSearch is { } search
            && Training.Paths.PathProgress.Describe(options.Settings) is var asked && search.Description != asked)
            throw new UsageException($"{path} was made for {search.Description}, this run asks for {asked}: " +
                "incompatible with --resume");
    }

    /// <summary>A regularization path without cross-validation: checks that the ranks agree on every model, has rank 0
    /// write each as its path model file, and returns the exit code: 4 when a model diverged, 8 when one fell short
    /// of its tolerance and convergence was required.</summary>
    private static int FinishPath(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors,
        StatusWriter status, TrainingProblem problem, RecordedSettings recorded, PathOutcome path,
        CheckpointWriter checkpoints)
    {
        var points = path.Models.Select(m => m.Result.Point.Length == 0 ? [] : problem.ModelParameters(m.Result.Point))
            .ToArray();
        foreach (var point in points)
            if (ConsensusCheck.RanksDifferingFromRoot(comm, point) is { Length: > 0 } differing)
                throw new InvalidOperationException($"ranks {string.Join(",", differing)} ended with weights " +
                    "different from rank 0's; the path's models are not saved");
        Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank != 0) return;
            for (int i = 0; i < path.Models.Count; i++)
            {
                var m = path.Models[i];
                if (points[i].Length == 0) continue;
                TrainingOutputs.Model(options, problem, recorded with
                {
                    L1 = m.L1,
                    L2 = m.L2,
                    LearningRate = m.LearningRate,
                }, m.Result, points[i]).Write(options.PathModelPath(m.Penalty));
            }
        });
        var diverged = path.Models.Where(m => m.Result.Exit == ExitCondition.Diverged).ToArray();
        var short_ = path.Models.Where(m => m.Result.FellShort).ToArray();
        string Strengths(IEnumerable<PathModel> models) => string.Join(", ",
            models.Select(m => PathTraining.Format(options.Settings.Path!.Strength(m.Penalty))));
        if (comm.Rank == 0)
        {
            output.WriteLine($"{points.Count(p => p.Length > 0)} path models written: {options.PathModelPath(0)} to " +
                options.PathModelPath(path.Models.Count - 1));
            if (diverged.Length > 0)
                errors.WriteLine($"MpiDescent: the models of {options.Settings.Path!.StrengthName} " +
                    $"{Strengths(diverged)} diverged (each file keeps its last finite iterate)");
            if (short_.Length > 0)
                errors.WriteLine($"MpiDescent: warning: the models of {options.Settings.Path!.StrengthName} " +
                    $"{Strengths(short_)} are not converged (the iteration limit, or no further progress)");
        }
        int code = diverged.Length > 0 ? ExitCodes.Diverged
            : short_.Length > 0 && options.RequireConvergence ? ExitCodes.NotConverged : ExitCodes.Success;
        var state = diverged.Length > 0 ? RunState.Diverged : short_.Length > 0 ? RunState.NotConverged
            : RunState.Completed;
        RetireCheckpoint(options, comm, output, errors, checkpoints);
        status.Write(state, code, $"{path.Models.Count} path models trained", model: options.PathModelPath(0));
        return code;
    }

    /// <summary>The plan's prediction for this rank count (from its table, else from its measurement) beside this
    /// run's measured pass and load (rank 0 only; null elsewhere).</summary>
    private static Planning.PlanComparison? Compare(Planning.PlanFile plan, TrainOptions options,
        DataFileHeader header, TimingSummary timing, OptimizationResult result, int ranks)
    {
        var predicted = plan.Predictions.FirstOrDefault(p => p.Ranks == ranks)
            ?? new Planning.ScalingModel(header, options.Settings, plan.Measurement,
                GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, Environment.ProcessorCount).Predict(ranks);
        double measuredPass = (timing.Compute.Max + timing.Communication.Max) / Math.Max(result.DataPasses, 1);
        return new Planning.PlanComparison(options.PlanPath!, ranks, predicted.PassSeconds, measuredPass,
            predicted.LoadSeconds, timing.Load.Max);
    }

    private static void PrintComparison(TextWriter output, Planning.PlanComparison c)
    {
        string F(double v, string format) => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"plan {c.PlanFile} at {c.Ranks} rank(s): predicted {F(c.PredictedPassSeconds * 1e3, "G4")} " +
            $"ms per pass and {F(c.PredictedLoadSeconds, "G3")} s load; measured " +
            $"{F(c.MeasuredPassSeconds * 1e3, "G4")} ms and {F(c.MeasuredLoadSeconds, "G3")} s (predicted/measured " +
            $"{F(c.PassRatio, "F2")} and {F(c.LoadRatio, "F2")})");
    }

    /// <summary>A text input: rank 0 converts it into its cache, or finds the cache up to date
    /// (<see cref="TextDataCache"/>), while the others wait; then every rank trains on the cache.</summary>
    private static TrainOptions WithCachedData(TrainOptions options, ICommunicator comm, TextWriter output,
        TextWriter errors)
    {
        // The others wait while rank 0 hashes and perhaps converts the input: that wait is not a stall. It may take
        // the input's size at the slowest rate assumed, on top of the stall timeout.
        long bytes = comm.BroadcastFromRoot(comm.Rank == 0 && File.Exists(options.DataPath)
            ? new FileInfo(options.DataPath).Length : 0L);
        using var allowance = comm.Watchdog?.Allow(TimeSpan.FromSeconds(bytes / CollectiveWatchdog.SlowestInputRate));
        var outcome = Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank != 0) return null;
            if (FaultInjection.ConversionDelay() is > 0 and var delay) Thread.Sleep(TimeSpan.FromSeconds(delay));
            return TextDataCache.Prepare(options.DataPath, options.DataCachePath, options.Conversion);
        });
        if (outcome is not null && !options.Quiet) output.WriteLine($"MpiDescent: {outcome.Message}");
        return options with
        {
            DataPath = options.DataCachePath,
            DataCacheOption = options.DataCachePath,
        };
    }

    /// <summary>The checkpoint's state with the whole history read back from the file beside it (rank 0 reads it and
    /// tells the others; a missing or mismatched file leaves the checkpoint's last records, with a warning).</summary>
    private static SolverState WithWholeHistory(string path, CheckpointFile checkpoint, SolverState state,
        ICommunicator comm, TextWriter errors)
    {
        var historyPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!,
            checkpoint.HistoryFile ?? Path.GetFileName(CheckpointHistory.BesideCheckpoint(path)));
        var records = comm.Rank == 0 ? CheckpointHistory.Read(historyPath, state) : null;
        if (comm.Rank == 0 && records is null)
            errors.WriteLine($"MpiDescent: warning: {historyPath} is missing or does not match {path}: the history of "
                + "the iterations before the checkpoint is not in this run's report");
        // Only rank 0 prints and reports the history; the other ranks need the records the loop reads.
        return records is null ? state : state with { History = records };
    }

    /// <summary>Writes the run's status file on rank 0 (atomically; a failure to write it is reported, never fatal: the
    /// exit code still says what happened).</summary>
    private sealed class StatusWriter(TrainOptions options, ICommunicator comm)
    {
        public void Write(RunState state, int? exitCode, string message, string? model = null,
            string? checkpoint = null)
        {
            if (comm.Rank != 0) return;
            try
            {
                RunStatus.Write(options.StatusPath, new RunStatus
                {
                    State = state,
                    ExitCode = exitCode,
                    Message = message,
                    Model = model is null ? null : Path.GetFullPath(model),
                    Checkpoint = checkpoint is null ? null : Path.GetFullPath(checkpoint),
                    Ranks = comm.Size,
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or MpiDescentException)
            {
                Console.Error.WriteLine($"MpiDescent: warning: cannot write the status file {options.StatusPath}: " +
                    $"{e.Message}");
            }
        }
    }
}
