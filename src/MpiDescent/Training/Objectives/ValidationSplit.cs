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
        var strata = new Strata(shard, classes, comm);
        var thresholds = strata.Thresholds(strata.Counts.Select(n => new[] { HeldOutOfClass(n, fraction) })
            .ToArray());
        for (int i = 0; i < held.Length; i++) held[i] = strata.Hashes[i] < thresholds[strata.ClassOf[i]][0];
        return held;
    }

    /// <summary>The fold, 0 to <paramref name="folds"/> − 1, of each of this rank's rows for k-fold cross-validation,
    /// the same at any rank count (collective for classification losses). Regression: fold ⌊u·F/2⁵³⌋ of the row's
    /// hash u. Classification is stratified: of class c's n_c rows, fold f holds exactly round((f+1)·n_c/F) −
    /// round(f·n_c/F), those whose hashes rank in that range, found by the bisection of <see cref="HeldOut"/>.
    /// </summary>
    public static int[] Folds(DataShard shard, int classes, int folds, ICommunicator comm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var fold = new int[shard.Rows];
        if (classes < 2)
        {
            for (int i = 0; i < fold.Length; i++)
                fold[i] = (int)((UInt128)Hash(shard.RowStart + i) * (uint)folds >> 53);
            return fold;
        }
        var strata = new Strata(shard, classes, comm);
        var cuts = strata.Thresholds(strata.Counts.Select(n => Enumerable.Range(1, folds - 1)
            .Select(j => (long)Math.Round((double)j * n / folds, MidpointRounding.AwayFromZero)).ToArray()).ToArray());
        for (int i = 0; i < fold.Length; i++)
            foreach (var cut in cuts[strata.ClassOf[i]]) fold[i] += strata.Hashes[i] >= cut ? 1 : 0;
        return fold;
    }

    /// <summary>This rank's rows by class: each row's class and hash, each class's hashes sorted, and the classes'
    /// row counts over all ranks.</summary>
    private sealed class Strata
    {
        private readonly ulong[][] _sorted;
        private readonly ICommunicator _comm;

        public Strata(DataShard shard, int classes, ICommunicator comm)
        {
            _comm = comm;
            ClassOf = new int[shard.Rows];
            Hashes = new ulong[shard.Rows];
            Counts = new long[classes];
            for (int i = 0; i < shard.Rows; i++)
            {
                int c = ClassIndex(shard.Labels[i], classes);
                ClassOf[i] = c;
                Hashes[i] = Hash(shard.RowStart + i);
                Counts[c]++;
            }
            // Each class's hashes, sorted, count the rows below a threshold by binary search.
            var byClass = Enumerable.Range(0, classes).Select(c => new List<ulong>()).ToArray();
            for (int i = 0; i < shard.Rows; i++) byClass[ClassOf[i]].Add(Hashes[i]);
            _sorted = byClass.Select(list => { var a = list.ToArray(); Array.Sort(a); return a; }).ToArray();
            comm.AllreduceSum<long>(Counts);
        }

        public int[] ClassOf { get; }
        public ulong[] Hashes { get; }
        public long[] Counts { get; }

        /// <summary>For each class c and target t in <paramref name="targets"/>[c], the smallest T with #{u &lt; T} ≥ t
        /// over all ranks: bisection on [lo, hi], decided from reduced counts, all targets at once.</summary>
        public ulong[][] Thresholds(long[][] targets)
        {
            var flat = targets.SelectMany((t, c) => t.Select(target => (Class: c, Target: target))).ToArray();
            var lo = new ulong[flat.Length];
            var hi = Enumerable.Repeat(HashSpace, flat.Length).ToArray();
            var below = new long[flat.Length];
            while (true)
            {
                bool open = false;
                for (int q = 0; q < flat.Length; q++)
                {
                    ulong mid = lo[q] + (hi[q] - lo[q]) / 2;
                    below[q] = lo[q] < hi[q] ? CountBelow(_sorted[flat[q].Class], mid) : 0;
                    open |= lo[q] < hi[q];
                }
                if (!open) break;
                _comm.AllreduceSum<long>(below);
                for (int q = 0; q < flat.Length; q++)
                {
                    if (lo[q] >= hi[q]) continue;
                    ulong mid = lo[q] + (hi[q] - lo[q]) / 2;
                    if (below[q] >= flat[q].Target) hi[q] = mid;
                    else lo[q] = mid + 1;
                }
            }
            int at = 0;
            return targets.Select(t => t.Select(_ => lo[at++]).ToArray()).ToArray();
        }
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
