using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Output;
using MpiDescent.Training;

namespace MpiDescent.Cli;

/// <summary>What a training run leaves behind on rank 0: the model file, the gathered timings and the printed summary.</summary>
internal static class TrainingOutputs
{
    internal static ModelFile Model(TrainOptions options, DataFileHeader header, int ranks, TrainingSettings settings, OptimizationResult result,
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

    internal static ModelFile BaseModel(TrainOptions options, DataFileHeader header, int ranks, TrainingSettings settings, OptimizationResult result,
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

    internal static TimingSummary GatherTiming(ICommunicator comm, double loadSeconds, LinearObjective objective, double totalSeconds)
    {
        double peakMegabytes = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        var values = comm.AllGather([loadSeconds, objective.ComputeSeconds, objective.CommunicationSeconds, peakMegabytes]);
        RankStatistic Column(int k) => RankStatistic.Of(Enumerable.Range(0, comm.Size).Select(r => values[r * 4 + k]).ToArray());
        var compute = Column(1);
        var communication = Column(2);
        var idle = RankStatistic.Of(Enumerable.Range(0, comm.Size).Select(r => values[r * 4 + 2] - communication.Min).ToArray());
        return new TimingSummary(Column(0), compute, communication, totalSeconds, Column(3), idle);
    }

    internal static void PrintSummary(TextWriter output, TrainOptions options, OptimizationResult result, TimingSummary timing, int ranks)
    {
        var c = CultureInfo.InvariantCulture;
        if (ranks > 1) output.WriteLine($"weights identical on all {ranks} ranks");
        output.WriteLine(string.Create(c, $"exit: {result.Exit} after {result.Iterations} {(options.Solver == "sgd" ? "epochs" : "iterations")}: {result.ExitReason}"));
        if (result.Exit == ExitCondition.Interrupted)
            output.WriteLine($"checkpoint saved to {options.CheckpointPath}; continue with the same command plus --resume {options.CheckpointPath}");
        else
            output.WriteLine(string.Create(c, $"final loss {result.Value:R}  |grad| ")
                + (double.IsNaN(result.GradientNorm) ? "not evaluated at the kept point" : result.GradientNorm.ToString("E3", c)));
        output.WriteLine(string.Create(c, $"time {timing.TotalSeconds:F3} s; per rank (min / median / max, slowest rank):"));
        foreach (var (name, phase) in new[] { ("load", timing.Load), ("compute", timing.Compute), ("communication", timing.Communication) })
            output.WriteLine(string.Create(c, $"  {name,-14} {phase.Min:F3} / {phase.Median:F3} / {phase.Max:F3} s  (rank {phase.MaxRank})"));
        if (ranks > 1)
            output.WriteLine(string.Create(c, $"  idle (waiting) {timing.Idle.Min:F3} / {timing.Idle.Median:F3} / {timing.Idle.Max:F3} s  (rank {timing.Idle.MaxRank} waited most; rank {timing.Compute.MaxRank} computed longest)"));
        var memory = timing.PeakMemoryMegabytes;
        output.WriteLine(string.Create(c, $"  peak memory    {memory.Min:F0} / {memory.Median:F0} / {memory.Max:F0} MB (rank {memory.MaxRank})"));
        if (result.Exit != ExitCondition.Interrupted)
            output.WriteLine($"model written to {options.ModelPath}" + (options.ReportPath is null ? "" : $", report to {options.ReportPath}")
                + (options.HistoryPath is null ? "" : $", history to {options.HistoryPath}") + (options.PlotPath is null ? "" : $", plot to {options.PlotPath}"));
    }
}
