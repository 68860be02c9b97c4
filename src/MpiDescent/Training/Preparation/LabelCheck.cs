using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// Labels of the classification losses, in two steps that must stay apart: <see cref="CheckSlice"/> is local (it may
/// fail on one rank only, and is agreed on its own), the reductions (<see cref="Normalize"/>, <see
/// cref="MultiClassCounts"/>) are collective and fail only on reduced values, alike on every rank. </summary>
public static class LabelCheck
{
    /// <summary>What a rank's slice holds: 0 and −1 labels (binary), the largest class (softmax; −1 when
    /// empty).</summary>
    public sealed record SliceLabels(bool HasZero, bool HasMinusOne, int MaxClass);

    /// <summary>The reduced binary outcome.</summary>
    public sealed record ClassCounts(long Negative, long Positive, int[] SingleClassRanks, double NegativeLabel);

    private const int ClassLimit = 100_000;

    /// <summary>Checks this rank's labels for the loss (local, no communication); throws naming the first bad
    /// row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SliceLabels CheckSlice(DataShard shard, LossKind loss)
    {
        bool zero = false, minusOne = false;
        int maxClass = -1;
        for (int i = 0; i < shard.Rows; i++)
        {
            double y = shard.Labels[i];
            if (loss == LossKind.Softmax)
            {
                if (y < 0 || y >= ClassLimit || y != Math.Floor(y))
                    throw new InputFileException(shard.Path,
                        $"row {shard.RowStart + i + 1} has label {y}; the softmax loss needs class labels 0, 1, ..., "
                        + "K-1");
                maxClass = Math.Max(maxClass, (int)y);
            }
            else if (y == 0) zero = true;
            else if (y == -1) minusOne = true;
            else if (y != 1)
                throw new InputFileException(shard.Path,
                    $"row {shard.RowStart + i + 1} has label {y}; the {loss.Name()} loss needs labels 0/1 or -1/+1");
        }
        return new SliceLabels(zero, minusOne, maxClass);
    }

    /// <summary>Binary: agrees on the label convention, maps 0 to −1, and counts the classes (collective).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ClassCounts Normalize(DataShard shard, SliceLabels local, ICommunicator comm)
    {
        long positive = 0;
        for (int i = 0; i < shard.Rows; i++)
        {
            if (shard.Labels[i] == 0) shard.Labels[i] = -1;
            if (shard.Labels[i] > 0) positive++;
        }
        long negative = shard.Rows - positive;
        var totals = new long[4 + comm.Size];
        totals[0] = local.HasZero ? 1 : 0;
        totals[1] = local.HasMinusOne ? 1 : 0;
        totals[2] = negative;
        totals[3] = positive;
        totals[4 + comm.Rank] = shard.Rows > 0 && (negative == 0 || positive == 0) ? 1 : 0;
        comm.AllreduceSum(totals);
        if (totals[0] > 0 && totals[1] > 0)
            throw new InputFileException(shard.Path,
                "labels mix 0 and -1: use either 0/1 or -1/+1 for the two classes");
        if (totals[2] == 0 || totals[3] == 0)
            throw new InputFileException(shard.Path,
                $"all {totals[2] + totals[3]} rows are in one class; a binary loss needs both");
        var single = Enumerable.Range(0, comm.Size).Where(r => totals[4 + r] != 0).ToArray();
        return new ClassCounts(totals[2], totals[3], single, totals[0] > 0 ? 0 : -1);
    }

    /// <summary>Softmax: K = the largest label + 1 over all ranks, and the count of each class (collective).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long[] MultiClassCounts(DataShard shard, SliceLabels local, ICommunicator comm)
    {
        int classes = (int)comm.AllGather([local.MaxClass]).Max() + 1;
        var counts = new long[Math.Max(classes, 1)];
        for (int i = 0; i < shard.Rows; i++) counts[(int)shard.Labels[i]]++;
        comm.AllreduceSum(counts);
        if (classes < 2) throw new InputFileException(shard.Path,
            "all rows are in class 0; softmax needs at least two classes");
        return counts;
    }
}
