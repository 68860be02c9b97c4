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

    /// <summary>Softmax labels: every rank checks that its labels are integers 0 ≤ y &lt; 100000 (else an error naming the
    /// first bad row); one reduction gives K = the largest label + 1 and the count of each class (collective).</summary>
    public static long[] MultiClassCounts(DataShard shard, ICommunicator comm)
    {
        const int Limit = 100_000;
        int localMax = -1;
        for (int i = 0; i < shard.Rows; i++)
        {
            double y = shard.Labels[i];
            if (y < 0 || y >= Limit || y != Math.Floor(y))
                throw new InputFileException(shard.Path, $"row {shard.RowStart + i} has label {y}; the softmax loss needs class labels 0, 1, ..., K-1");
            localMax = Math.Max(localMax, (int)y);
        }
        var maxima = comm.AllGather([localMax]);
        int classes = (int)maxima.Max() + 1;
        var counts = new long[classes];
        for (int i = 0; i < shard.Rows; i++) counts[(int)shard.Labels[i]]++;
        comm.AllreduceSum(counts);
        if (classes < 2) throw new InputFileException(shard.Path, "all rows are in class 0; softmax needs at least two classes");
        return counts;
    }
}
