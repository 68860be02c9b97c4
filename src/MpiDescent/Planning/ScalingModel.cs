using MpiDescent.Data;
using MpiDescent.Training.Preparation;

namespace MpiDescent.Planning;

/// <summary>
/// Predicts a run at N ranks from a <see cref="PlanMeasurement"/>: the largest slice (<see cref="RowPartition"/>)
/// times the pass time per row, plus the all-reduce of one evaluation's bytes (<see cref="AllreduceCost"/>); its
/// load at the measured rate per rank; its memory per rank (<see cref="MemoryEstimate"/>), against the node's
/// memory shared by the ranks that run on one node. Its assumptions: each rank keeps the measured pass rate (true
/// across nodes; more ranks on one node than were measured share its memory bandwidth), the file system serves every
/// rank at the measured load rate, and the α and β measured at P ranks hold at N.
/// </summary>
public sealed class ScalingModel(DataFileHeader header, TrainingSettings settings, PlanMeasurement measured,
    long nodeMemoryBytes, int ranksPerNode)
{
    /// <summary>The prediction for <paramref name="ranks"/> ranks.</summary>
    public RankPrediction Predict(int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        long largest = LargestSlice(ranks);
        double compute = measured.ComputeSecondsPerRow * largest;
        double communication = measured.Allreduce.Seconds(ranks, measured.ReductionBytes);
        double one = measured.ComputeSecondsPerRow * header.Rows;
        double speedUp = one / (compute + communication);
        long memory = MemoryEstimate.For(header, largest, settings, ranks).Total;
        bool fits = memory * (double)Math.Min(ranks, ranksPerNode) <= nodeMemoryBytes;
        return new RankPrediction(ranks, largest, PlanMeasurement.SliceBytes(header, largest)
            / measured.LoadBytesPerSecond, compute, communication, speedUp, speedUp / ranks, memory, fits);
    }

    /// <summary>The rows of the largest slice at <paramref name="ranks"/> ranks.</summary>
    public long LargestSlice(int ranks)
    {
        var partition = new RowPartition(header.Rows, ranks);
        long largest = 0;
        for (int r = 0; r < ranks; r++)
        {
            var (start, end) = partition.RowsOf(r);
            largest = Math.Max(largest, end - start);
        }
        return largest;
    }
}
