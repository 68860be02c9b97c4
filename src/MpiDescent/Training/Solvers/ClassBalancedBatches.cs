using MpiDescent.Communication;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Class-balanced draws for mini-batch SGD, the same at any rank count. Of the K' classes that have training rows,
/// draw v of an epoch's K'·n (n the largest class's training rows when oversampling, the smallest's when
/// undersampling) goes to class v / n and is that class's row π_e(v mod n mod n_c) in global row order, with v itself
/// from a shuffled order of the epoch's draws and π_e a permutation of the class's n_c rows, both per epoch
/// (<see cref="ShuffledRowOrder"/>): within an epoch a class's rows recur only when n &gt; n_c. One all-gather of the
/// counts per class and rank tells each rank where its rows stand in each class's order, so it keeps the draws that
/// fall there. Each draw's gradient is weighted by its importance factor K'·n_c (a row's probability per draw is
/// 1/(K'·n_c)), which keeps the batch gradient an unbiased estimate of the full (class-weighted) gradient.
/// </summary>
public sealed class ClassBalancedBatches
{
    private readonly int[][] _localRowsOfClass;
    private readonly long[] _classStart; // this rank's first index within each class's global row order
    private readonly int[] _present; // the classes with training rows
    private readonly long _perClass;
    private readonly ShuffledRowOrder _draws;
    private readonly ShuffledRowOrder?[] _withinClass;

    /// <summary>Draws over this rank's rows (collective): <paramref name="classOfRow"/> holds each local row's class
    /// index in [0, <paramref name="classes"/>), or −1 for rows that are never drawn (validation rows).</summary>
    public ClassBalancedBatches(ReadOnlySpan<int> classOfRow, int classes, BalanceMode mode, ulong seed,
        ICommunicator comm)
    {
        if (mode == BalanceMode.None) throw new ArgumentException("a balanced mode", nameof(mode));
        var local = new long[classes];
        foreach (int c in classOfRow)
            if (c >= 0) local[c]++;
        var lists = local.Select(n => new int[n]).ToArray();
        var filled = new int[classes];
        for (int i = 0; i < classOfRow.Length; i++)
            if (classOfRow[i] >= 0) lists[classOfRow[i]][filled[classOfRow[i]]++] = i;
        _localRowsOfClass = lists;
        var all = comm.AllGather<long>(local);
        _classStart = new long[classes];
        ClassRows = new long[classes];
        for (int c = 0; c < classes; c++)
        {
            long sum = 0;
            for (int r = 0; r < comm.Size; r++)
            {
                if (r == comm.Rank) _classStart[c] = sum;
                sum += all[r * classes + c];
            }
            ClassRows[c] = sum;
        }
        _present = Enumerable.Range(0, classes).Where(c => ClassRows[c] > 0).ToArray();
        if (_present.Length == 0) throw new ArgumentException("no training rows to draw", nameof(classOfRow));
        _perClass = mode == BalanceMode.Oversample ? _present.Max(c => ClassRows[c]) : _present.Min(c => ClassRows[c]);
        EpochLength = _present.Length * _perClass;
        _draws = new ShuffledRowOrder(EpochLength, seed);
        _withinClass = Enumerable.Range(0, classes).Select(c => ClassRows[c] > 0
            ? new ShuffledRowOrder(ClassRows[c], Numerics.SplitMix64.Mix(seed ^ (0xA076_1D64_78BD_642FUL + (ulong)c)))
            : null).ToArray();
    }

    /// <summary>The training rows of each class over all ranks (n_c).</summary>
    public long[] ClassRows { get; }

    /// <summary>Draws per epoch, K'·n.</summary>
    public long EpochLength { get; }

    /// <summary>The importance factor K'·n_c of a draw of class <paramref name="c"/>.</summary>
    public double ImportanceFactor(int c) => (double)_present.Length * ClassRows[c];

    /// <summary>The draws [<paramref name="position"/>, position + count) of <paramref name="epoch"/> that fall on this
    /// rank's rows: their local row indices (0-based in the slice) and classes, in draw order; returns how many.
    /// A row drawn twice appears twice.</summary>
    public int LocalDraws(int epoch, long position, int count, Span<int> rows, Span<int> classes)
    {
        int found = 0;
        for (int k = 0; k < count; k++)
        {
            long v = _draws.RowAt(epoch, position + k);
            int c = _present[(int)(v / _perClass)];
            long index = _withinClass[c]!.RowAt(epoch, v % _perClass % ClassRows[c]);
            long mine = index - _classStart[c];
            if (mine < 0 || mine >= _localRowsOfClass[c].Length) continue;
            rows[found] = _localRowsOfClass[c][mine];
            classes[found++] = c;
        }
        return found;
    }
}
