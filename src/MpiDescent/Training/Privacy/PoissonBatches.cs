using MpiDescent.Numerics;

namespace MpiDescent.Training.Privacy;

/// <summary>
/// Poisson-sampled mini-batches, as the privacy accounting assumes: in each of an epoch's T steps every row is in the
/// batch with probability q, independently of every other row and step. A row's steps are drawn from its own stream,
/// keyed by (seed, epoch, global row index), by geometric gaps, so each rank draws only its own rows' steps (O(rows +
/// T) work and memory per epoch, not rows × T) and the batches are the same at any rank count.
/// </summary>
public sealed class PoissonBatches
{
    private readonly long _rowStart;
    private readonly int _rows;
    private readonly ulong _seed;
    private readonly double _logKeep; // log(1 − q)
    private int[] _stepStart = [];
    private int[] _members = [];
    private int _epoch = -1;

    /// <summary>Batches of the <paramref name="rows"/> local rows starting at global row <paramref name="rowStart"/>,
    /// <paramref name="steps"/> per epoch, each row in each with probability <paramref name="rate"/>.</summary>
    public PoissonBatches(long rowStart, int rows, int steps, double rate, ulong seed)
    {
        if (!(rate > 0 && rate <= 1)) throw new ArgumentOutOfRangeException(nameof(rate), "q is in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        (_rowStart, _rows, _seed, Steps, Rate) = (rowStart, rows, seed, steps, rate);
        _logKeep = double.LogP1(-rate);
    }

    /// <summary>Steps per epoch (T).</summary>
    public int Steps { get; }

    /// <summary>The sampling rate q.</summary>
    public double Rate { get; }

    /// <summary>The local rows (0-based in this rank's slice) of step <paramref name="step"/> of <paramref
    /// name="epoch"/>, in increasing order.</summary>
    public ReadOnlySpan<int> Batch(int epoch, int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, Steps);
        if (epoch != _epoch) Draw(epoch);
        return _members.AsSpan(_stepStart[step], _stepStart[step + 1] - _stepStart[step]);
    }

    /// <summary>The first step at or after <paramref name="from"/> that the row of stream <paramref name="state"/> is
    /// in, or <see cref="Steps"/> or more when none is.</summary>
    private long NextStep(ref ulong state, long from)
    {
        if (Rate == 1) return from;
        // Uniform in (0, 1] from 53 bits; the gap before the next inclusion is geometric: ⌊log U / log(1 − q)⌋.
        double u = ((SplitMix64.Next(ref state) >> 11) + 1) * (1.0 / (1UL << 53));
        double gap = Math.Floor(Math.Log(u) / _logKeep);
        return gap >= Steps ? Steps : from + (long)gap;
    }

    /// <summary>Every local row's steps of <paramref name="epoch"/>, bucketed by step (counting sort, rows in
    /// order).</summary>
    private void Draw(int epoch)
    {
        var counts = new int[Steps + 1];
        var pairs = new List<(int Step, int Row)>(_rows + 16);
        ulong epochKey = SplitMix64.Mix(_seed ^ SplitMix64.Mix((ulong)epoch + 0xD1B5_4A32_D192_ED03UL));
        for (int row = 0; row < _rows; row++)
        {
            ulong state = SplitMix64.Mix(epochKey ^ SplitMix64.Mix((ulong)(_rowStart + row) + 0x8CB9_2BA7_2F3D_8DD7UL));
            for (long step = NextStep(ref state, 0); step < Steps; step = NextStep(ref state, step + 1))
            {
                pairs.Add(((int)step, row));
                counts[step + 1]++;
            }
        }
        for (int s = 0; s < Steps; s++) counts[s + 1] += counts[s];
        var fill = counts[..Steps];
        var members = new int[pairs.Count];
        foreach (var (step, row) in pairs) members[fill[step]++] = row;
        (_stepStart, _members, _epoch) = (counts, members, epoch);
    }
}
