using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Output;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>What a training run leaves behind on rank 0: the model file, the report, the gathered timings and the
/// printed summary.</summary>
internal static class TrainingOutputs
{
    internal static ModelFile Model(TrainOptions options, TrainingProblem problem, RecordedSettings settings,
        OptimizationResult result, double[] point)
    {
        var header = problem.Shard.Header;
        var layout = problem.Layout;
        var loss = options.Settings.Loss;
        var model = new ModelFile
        {
            Loss = loss.Name(),
            Objective = "J(w,b) = (1/W) sum_i c_i l(x_i.w + b, y_i) + (l2/2)|w|^2 + l1 |w|_1 with l(z,y) = "
                + $"{loss.Formula()}, c_i the class weight of row i (1 without class weights), W = sum_i c_i",
            L2 = settings.L2,
            L1 = settings.L1,
            ClassLabels = loss.IsBinary() ? [problem.NegativeLabel, 1] : null,
            ClassNames = header.ClassNames.Count == 0 ? null : header.ClassNames.ToArray(),
            Features = header.Features,
            FeatureNames = header.FeatureNames.Count == 0 ? null : header.FeatureNames.ToArray(),
            Weights = layout.WeightsOf(point, 0).ToArray(),
            Intercept = layout.Intercept(point, 0),
            DataFile = Path.GetFullPath(options.DataPath),
            DataChecksum = header.ChecksumHex,
            Rows = header.Rows,
            Ranks = problem.Communicator.Size,
            Settings = settings,
            FinalLoss = result.Value,
            Iterations = result.Iterations,
            Exit = result.Exit.ToString(),
            Converged = result.Converged,
            Privacy = problem.PrivacySpent,
        };
        if (!loss.IsMultiClass()) return model;
        return model with
        {
            Weights = [],
            Intercept = 0,
            WeightMatrix = Enumerable.Range(0, layout.Outputs).Select(k => layout.WeightsOf(point,
                k).ToArray()).ToArray(),
            Intercepts = Enumerable.Range(0, layout.Outputs).Select(k => layout.Intercept(point, k)).ToArray(),
        };
    }

    internal static RunReport Report(TrainOptions options, TrainingProblem problem, RecordedSettings settings,
        OptimizationResult result, TimingSummary timing, ParameterTraffic? traffic = null,
        Planning.PlanComparison? plan = null)
    {
        var header = problem.Shard.Header;
        var (minRows, maxRows) = problem.RowsPerRank;
        return new RunReport(Path.GetFullPath(options.DataPath), header.ChecksumHex, header.Rows, header.Features,
            problem.Communicator.Size, minRows, maxRows, problem.Partition.BlockRows, settings, result.Iterations,
            result.DataPasses, result.Value, result.GradientNorm, result.Exit.ToString(), result.ExitReason,
            timing, result.History, problem.ClassCounts, result.Converged, result.RelativeGradientNorm,
            result.FellShort ? ConvergenceAdvice.For(problem.Settings, result) : null, traffic, problem.PrivacySpent,
            plan);
    }

    /// <summary>The parameters owned, features touched and collective traffic of every rank (collective).</summary>
    internal static ParameterTraffic GatherTraffic(ICommunicator comm, TrainingProblem problem)
    {
        var objective = problem.Objective;
        double passes = Math.Max(objective.Evaluations, 1);
        double[] mine = [objective.Space.Length, problem.Shard.Features.DistinctFeatures(),
            objective.Traffic.MovedBytes / passes];
        var all = comm.AllGather<double>(mine);
        double[] Column(int k) => Enumerable.Range(0, comm.Size).Select(r => all[r * mine.Length + k]).ToArray();
        return new ParameterTraffic(objective.Space.IsPartitioned, Column(0).Select(v => (int)v).ToArray(),
            Column(1).Select(v => (long)v).ToArray(), Column(2),
            TrafficCounter.AllreduceBytes(objective.ReplicatedAllreduceBytes, comm.Size));
    }

    internal static TimingSummary GatherTiming(ICommunicator comm, double loadSeconds, LinearObjective objective,
        double totalSeconds)
    {
        double peakMegabytes = PeakMemory.Bytes() / 1048576.0;
        double[] mine = [loadSeconds, objective.ComputeSeconds, objective.CommunicationSeconds, peakMegabytes];
        var values = comm.AllGather<double>(mine);
        RankStatistic Column(int k) => RankStatistic.Of(Enumerable.Range(0, comm.Size).Select(r => values[r * 4
            + k]).ToArray());
        var compute = Column(1);
        var communication = Column(2);
        var idle = RankStatistic.Of(Enumerable.Range(0, comm.Size).Select(r => values[r * 4
            + 2] - communication.Min).ToArray());
        return new TimingSummary(Column(0), compute, communication, totalSeconds, Column(3), idle);
    }

    internal static void PrintSummary(TextWriter output, TrainOptions options, OptimizationResult result,
        TimingSummary timing, int ranks, long weightCount)
    {
        var c = CultureInfo.InvariantCulture;
        var solver = options.Solver;
        bool noModel = result.Point.Length == 0;
        if (ranks > 1 && !noModel) output.WriteLine($"weights identical on all {ranks} ranks");
        output.WriteLine(string.Create(c,
            $"exit: {result.Exit} after {result.Iterations} {solver.Units}: {result.ExitReason}"));
        if (result.Exit == ExitCondition.Interrupted)
            output.WriteLine($"checkpoint saved to {options.CheckpointPath}; continue with the same command plus " +
                $"--resume "
                + options.CheckpointPath);
        else if (!noModel)
            output.WriteLine(string.Create(c, $"final loss {result.Value:R}  |grad| ")
                + (double.IsNaN(result.GradientNorm) ? "not evaluated at the kept point"
                    : result.GradientNorm.ToString("E3", c)));
        output.WriteLine(string.Create(c,
            $"time {timing.TotalSeconds:F3} s; per rank (min / median / max, slowest rank):"));
        foreach (var (name, phase) in new[] { ("load", timing.Load), ("compute", timing.Compute),
                     ("communication", timing.Communication) })
            output.WriteLine(string.Create(c,
                $"  {name,-14} {phase.Min:F3} / {phase.Median:F3} / {phase.Max:F3} s  (rank {phase.MaxRank})"));
        if (ranks > 1)
            output.WriteLine(string.Create(c, $"  idle (waiting) {timing.Idle.Min:F3} / {timing.Idle.Median:F3} / ")
                + string.Create(c, $"{timing.Idle.Max:F3} s  (rank {timing.Idle.MaxRank} waited most; rank ")
                + $"{timing.Compute.MaxRank} computed longest)");
        var memory = timing.PeakMemoryMegabytes;
        output.WriteLine(string.Create(c,
            $"  peak memory    {memory.Min:F0} / {memory.Median:F0} / {memory.Max:F0} MB (rank {memory.MaxRank})"));
        if (noModel) output.WriteLine("no model written: there is no finite model to keep");
        else if (result.Exit != ExitCondition.Interrupted)
            output.WriteLine($"model written to {options.ModelPath}"
                + (ModelWeightsFile.IsNeeded(weightCount)
                    ? $" (its {weightCount} weights to {ModelWeightsFile.PathFor(options.ModelPath)})" : "")
                + (options.ReportPath is null ? ""
                : $", report to {options.ReportPath}")
                + (options.HistoryPath is null ? "" : $", history to {options.HistoryPath}")
                + (options.PlotPath is null ? "" : $", plot to {options.PlotPath}"));
    }
}
