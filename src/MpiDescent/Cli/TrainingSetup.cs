using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Output;
using MpiDescent.Training;

namespace MpiDescent.Cli;

/// <summary>The parts of setting up a training run that need the data: label checks and class counts, class weights,
/// the automatic learning rate, the plot's known optimum, and the slice sizes.</summary>
internal static class TrainingSetup
{
    /// <summary>From the slices' already checked labels (<paramref name="local"/>): agrees on the label convention (and maps
    /// 0 to −1), reports the class counts, and works out the class weights (collective; fails only on reduced values).</summary>
    internal static ObjectiveSettings ObjectiveFor(TrainOptions options, DataShard shard, DataFileHeader header, ICommunicator comm,
        TextWriter output, TextWriter errors, LabelCheck.SliceLabels? local, out double negativeLabel, out long[]? classCounts)
    {
        negativeLabel = -1;
        classCounts = null;
        var settings = new ObjectiveSettings(options.Loss, options.FitIntercept, options.L2, Summation: options.Summation);
        if (options.Loss == LossKind.Softmax)
        {
            var perClass = LabelCheck.MultiClassCounts(shard, local!, comm);
            classCounts = perClass;
            if (comm.Rank == 0 && !options.Quiet)
                output.WriteLine($"classes: {perClass.Length} ({string.Join(", ", perClass.Select((c, k) => $"{k}: {c}"))})");
            return settings with { Classes = perClass.Length };
        }
        if (!options.Loss.IsBinary()) return settings;
        var counts = LabelCheck.Normalize(shard, local!, comm);
        negativeLabel = counts.NegativeLabel;
        classCounts = [counts.Negative, counts.Positive];
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
        };
    }

    internal static (double Rate, string Source) LearningRate(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition,
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

    /// <summary>J* for the plot's suboptimality when it can be had exactly and cheaply: least squares (with any L2, no L1)
    /// and up to 2000 features, by the normal equations (collective; null otherwise or when they are singular).</summary>
    internal static double? KnownOptimum(TrainOptions options, LinearObjective objective, DataShard shard, RowPartition partition, ICommunicator comm)
    {
        if (options.Loss != LossKind.Squared || options.L1 > 0 || shard.FeatureCount > 2000) return null;
        try
        {
            var solution = NormalEquations.Solve(shard, partition, comm, options.FitIntercept, options.Summation, options.L2);
            return objective.Evaluate(solution, new double[solution.Length]);
        }
        catch (MpiDescentException) { return null; } // singular on every rank alike: plot the loss instead
    }

    internal static (long Min, long Max) RowsPerRank(RowPartition partition)
    {
        var sizes = Enumerable.Range(0, partition.Ranks).Select(r => partition.RowsOf(r)).Select(x => x.End - x.Start).ToArray();
        return (sizes.Min(), sizes.Max());
    }
}
