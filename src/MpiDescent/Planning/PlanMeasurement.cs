using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Preparation;

namespace MpiDescent.Planning;

/// <summary>
/// What <c>plan</c> measures on the ranks it was launched with, over the run's own data: the load rate of a slice
/// (read and checksum-checked), the pass time per row of the training objective (compute only, the slowest rank's),
/// and the all-reduce's α and β for byte counts up to one evaluation's reduction.
/// </summary>
/// <param name="Ranks">P, the ranks measured on.</param>
/// <param name="LoadBytesPerSecond">The slowest rank's slice bytes over its load seconds.</param>
/// <param name="ComputeSecondsPerRow">The slowest rank's pass seconds per row of its slice (median of the
/// passes).</param>
/// <param name="Allreduce">The fitted all-reduce cost.</param>
/// <param name="ReductionBytes">The bytes one evaluation hands to the all-reduce.</param>
/// <param name="MeasuredPassSeconds">One evaluation at P ranks as measured (pass and reduction, median): what the
/// model's prediction for P is checked against.</param>
public sealed record PlanMeasurement(int Ranks, double LoadBytesPerSecond, double ComputeSecondsPerRow,
    AllreduceCost Allreduce, long ReductionBytes, double MeasuredPassSeconds)
{
    /// <summary>The bytes of a slice of <paramref name="rows"/> rows of the file, as the load reads them.</summary>
    public static double SliceBytes(DataFileHeader header, long rows) => header.Layout == DataLayout.Sparse
        ? header.Rows == 0 ? 0 : (double)header.Nonzeros * rows / header.Rows * header.SparseEntryBytes
        : (double)rows * header.Features * header.ElementBytes;

    /// <summary>Measures (collective): loads this rank's slice, times <paramref name="passes"/> evaluations of the
    /// objective of <paramref name="settings"/> (loss, intercept, summation) at θ = 0.01, and times all-reduces of
    /// 8 bytes up to one evaluation's reduction, <paramref name="passes"/> of each size.</summary>
    public static PlanMeasurement Measure(DataFile file, TrainingSettings settings, ICommunicator comm, int passes)
    {
        var header = file.Header;
        var partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        comm.Barrier();
        long loadStart = Stopwatch.GetTimestamp();
        var shard = ShardLoader.Load(file, start, end, comm.Rank);
        double load = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;
        double rate = end > start ? SliceBytes(header, end - start) / Math.Max(load, 1e-9) : double.MaxValue;
        double loadRate = -comm.Max(-rate); // the slowest rank's
        // Softmax needs its classes: the labels' largest value + 1, agreed (the pass time does not depend on them).
        int classes = 1;
        if (settings.Loss == Losses.LossKind.Softmax)
            classes = (int)comm.Max(shard.Labels.DefaultIfEmpty(0).Max()) + 1;
        var objective = new LinearObjective(shard, partition, comm, new ObjectiveSettings(settings.Loss,
            settings.FitIntercept, settings.L2, Summation: settings.Summation, Classes: Math.Max(classes, 2)));
        var theta = Enumerable.Repeat(0.01, objective.Dimension).ToArray();
        var gradient = new double[objective.Dimension];
        objective.Evaluate(theta, gradient); // warm-up
        var compute = new double[passes];
        var whole = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            comm.Barrier();
            double before = objective.ComputeSeconds;
            long passStart = Stopwatch.GetTimestamp();
            objective.Evaluate(theta, gradient);
            whole[p] = comm.Max(Stopwatch.GetElapsedTime(passStart).TotalSeconds);
            compute[p] = comm.Max(shard.Rows > 0 ? (objective.ComputeSeconds - before) / shard.Rows : 0);
        }
        long reduction = objective.ReplicatedAllreduceBytes;
        var sizes = new[] { 8L, reduction / 64, reduction / 8, reduction }.Where(b => b >= 8).Distinct().ToArray();
        var bytes = new List<double>();
        var seconds = new List<double>();
        if (comm.Size > 1)
            foreach (long size in sizes)
            {
                var buffer = new long[size / 8];
                comm.AllreduceSum<long>(buffer); // warm-up
                var times = new double[passes];
                for (int p = 0; p < passes; p++)
                {
                    comm.Barrier();
                    long t0 = Stopwatch.GetTimestamp();
                    comm.AllreduceSum<long>(buffer);
                    times[p] = comm.Max(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                }
                bytes.Add(buffer.Length * 8.0);
                seconds.Add(Median(times));
            }
        var cost = comm.Size > 1 ? AllreduceCost.Fit(bytes, seconds, comm.Size) : new AllreduceCost(0, 0, 1);
        return new PlanMeasurement(comm.Size, loadRate, Median(compute), cost, reduction, Median(whole));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
