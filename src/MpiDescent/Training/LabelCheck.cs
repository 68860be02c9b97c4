using MpiDescent.Communication;
using MpiDescent.Data;

namespace MpiDescent.Training;

/// <summary>
/// Labels of a binary loss: every rank checks its slice (0/1 or −1/+1 accepted, never both 0 and −1), maps 0 to −1 in
/// place, and one reduction gives every rank the class counts and the ranks whose slice holds a single class.
/// </summary>
public static class LabelCheck
{
    /// <summary>The reduced outcome.</summary>
    public sealed record ClassCounts(long Negative, long Positive, int[] SingleClassRanks, double NegativeLabel);

    /// <summary>Checks this rank's labels; throws <see cref="InputFileException"/> naming the first bad row.</summary>
    public static (bool HasZero, bool HasMinusOne) CheckSlice(DataShard shard, string lossName)
    {
        bool zero = false, minusOne = false;
        for (int i = 0; i < shard.Rows; i++)
        {
            double y = shard.Labels[i];
            if (y == 0) zero = true;
            else if (y == -1) minusOne = true;
            else if (y != 1)
                throw new InputFileException(shard.Path, $"row {shard.RowStart + i} has label {y}; the {lossName} loss needs labels 0/1 or -1/+1");
        }
        return (zero, minusOne);
    }

    /// <summary>Agrees on the label convention, maps 0 to −1, and counts the classes (collective).</summary>
    public static ClassCounts Normalize(DataShard shard, (bool HasZero, bool HasMinusOne) local, ICommunicator comm)
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
            throw new InputFileException(shard.Path, "labels mix 0 and -1: use either 0/1 or -1/+1 for the two classes");
        if (totals[2] == 0 || totals[3] == 0)
            throw new InputFileException(shard.Path, $"all {totals[2] + totals[3]} rows are in one class; a binary loss needs both");
        var single = Enumerable.Range(0, comm.Size).Where(r => totals[4 + r] != 0).ToArray();
        return new ClassCounts(totals[2], totals[3], single, totals[0] > 0 ? 0 : -1);
    }
}
