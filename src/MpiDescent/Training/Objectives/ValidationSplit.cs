using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// Which rows <c>--validation-fraction f</c> holds out, the same rows at any rank count. Every row gets a 53-bit hash
/// u of its global index. Regression holds out the rows with u &lt; f·2⁵³. Classification is stratified: of class c's
/// n_c rows it holds out exactly t_c = round(f·n_c) of them, at least one and never all when n_c ≥ 2 (none of a class
/// with one row), namely those with the t_c smallest hashes; the per-class thresholds are found by bisection over u,
/// one reduction of the K counts per step (at most 54 steps).
/// </summary>
public static class ValidationSplit
{
    private const ulong HashSpace = 1UL << 53;

    /// <summary>The hash u ∈ [0, 2⁵³) of global row <paramref name="globalRow"/>.</summary>
    public static ulong Hash(long globalRow) => SplitMix64.Mix((ulong)globalRow ^ 0x5DEE_CE66_DA3A_7F4BUL) >> 11;

    /// <summary>Whether regression holds out global row <paramref name="globalRow"/> at fraction <paramref
    /// name="fraction"/>.</summary>
    public static bool IsUnstratifiedRow(long globalRow, double fraction) =>
        fraction > 0 && Hash(globalRow) * (1.0 / HashSpace) < fraction;

    /// <summary>How many of a class's <paramref name="rows"/> rows are held out at <paramref
    /// name="fraction"/>.</summary>
    public static long HeldOutOfClass(long rows, double fraction) =>
        rows < 2 || fraction <= 0 ? 0 : Math.Clamp((long)Math.Round(fraction * rows), 1, rows - 1);

    /// <summary>Marks this rank's held-out rows (collective for classification losses). <paramref name="classes"/> is
    /// 2 for the binary losses (labels ≤ 0 are class 0) and K for softmax; 1 means regression.</summary>
    public static bool[] HeldOut(DataShard shard, int classes, double fraction, ICommunicator comm)
    {
        var held = new bool[shard.Rows];
        if (fraction <= 0) return held;
        if (classes < 2)
        {
            for (int i = 0; i < held.Length; i++) held[i] = IsUnstratifiedRow(shard.RowStart + i, fraction);
            return held;
        }
        var classOf = new int[shard.Rows];
        var hashes = new ulong[shard.Rows];
        var counts = new long[classes];
        for (int i = 0; i < shard.Rows; i++)
        {
            int c = ClassIndex(shard.Labels[i], classes);
            classOf[i] = c;
            hashes[i] = Hash(shard.RowStart + i);
            counts[c]++;
        }
        // Each class's hashes, sorted, count the rows below a threshold by binary search.
        var byClass = Enumerable.Range(0, classes).Select(c => new List<ulong>()).ToArray();
        for (int i = 0; i < shard.Rows; i++) byClass[classOf[i]].Add(hashes[i]);
        var sorted = byClass.Select(list => { var a = list.ToArray(); Array.Sort(a); return a; }).ToArray();
        comm.AllreduceSum<long>(counts);
        var target = counts.Select(n => HeldOutOfClass(n, fraction)).ToArray();
        // The smallest T_c with #{u < T_c} ≥ t_c: bisection on [lo, hi], decided from reduced counts.
        var lo = new ulong[classes];
        var hi = Enumerable.Repeat(HashSpace, classes).ToArray();
        var below = new long[classes];
        while (true)
        {
            bool open = false;
            for (int c = 0; c < classes; c++)
            {
                ulong mid = lo[c] + (hi[c] - lo[c]) / 2;
                below[c] = lo[c] < hi[c] ? CountBelow(sorted[c], mid) : 0;
                open |= lo[c] < hi[c];
            }
            if (!open) break;
            comm.AllreduceSum<long>(below);
            for (int c = 0; c < classes; c++)
            {
                if (lo[c] >= hi[c]) continue;
                ulong mid = lo[c] + (hi[c] - lo[c]) / 2;
                if (below[c] >= target[c]) hi[c] = mid;
                else lo[c] = mid + 1;
            }
        }
        for (int i = 0; i < shard.Rows; i++) held[i] = hashes[i] < lo[classOf[i]];
        return held;
    }

    /// <summary>The class index of a checked label: 0/1 for the binary losses (<paramref name="classes"/> 2; labels
    /// ≤ 0 are class 0), the label itself for softmax.</summary>
    public static int ClassIndex(double label, int classes) =>
        classes == 2 ? (label > 0 ? 1 : 0) : Math.Clamp((int)label, 0, classes - 1);

    private static long CountBelow(ulong[] sorted, ulong threshold)
    {
        int index = Array.BinarySearch(sorted, threshold);
        if (index < 0) return ~index;
        while (index > 0 && sorted[index - 1] == threshold) index--;
        return index;
    }
}
