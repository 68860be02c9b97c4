using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// Several linear objectives over the same rows of the same shard (the penalties of a regularization path, the folds
/// of cross-validation) evaluated together: one pass hands each fixed row block to every member in turn, block by
/// block, so that the block is read from memory once and from cache by the members after the first, and one reduction
/// carries every member's sums. Each member computes its block's sums with the same code and in the same order as its
/// own <see cref="LinearObjective.Evaluate"/>, so with reproducible summation every member's value and gradient are
/// the bits it would compute alone; with plain summation MPI may order the longer message's sums differently.
/// </summary>
public sealed class ObjectiveBatch
{
    private readonly ICommunicator _communicator;
    private readonly LinearObjective[] _members;

    /// <summary>A batch over <paramref name="members"/>, objectives over the same shard with replicated parameters,
    /// created in the same order on every rank.</summary>
    public ObjectiveBatch(IReadOnlyList<LinearObjective> members, ICommunicator communicator)
    {
        if (members.Count == 0) throw new ArgumentException("a batch has members", nameof(members));
        foreach (var member in members)
            if (!ReferenceEquals(member.Shard, members[0].Shard) || member.BlockRows != members[0].BlockRows)
                throw new ArgumentException("the members of a batch share one shard and its blocks", nameof(members));
        if (members.Select(m => m.Settings.Summation).Distinct().Count() > 1)
            throw new ArgumentException("the members of a batch sum alike", nameof(members));
        _members = members.ToArray();
        _communicator = communicator;
    }

    /// <summary>The members, in the batch's order.</summary>
    public IReadOnlyList<LinearObjective> Members => _members;

    /// <summary>Passes over this rank's rows made by <see cref="Evaluate"/> (each serves every member in it).</summary>
    public long Passes { get; private set; }

    /// <summary>Seconds in the shared passes.</summary>
    public double ComputeSeconds { get; private set; }

    /// <summary>Seconds in the shared reductions, waiting for other ranks included.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <summary>The bytes of rows a tile holds: every member passes over a tile's blocks in turn, so that the rows
    /// come from memory once and from cache for the other members, while each member's own vectors (its weights,
    /// gradient buffers and sums, megabytes for a wide sparse model) are taken up once per tile rather than once per
    /// block.</summary>
    internal static readonly int TileBytes =
        int.TryParse(Environment.GetEnvironmentVariable("MPIDESCENT_TILE_BYTES"), out int bytes) && bytes > 0
            ? bytes : 16 << 20;

    /// <summary>Rows per tile: whole blocks of about <see cref="TileBytes"/>, at least one block.</summary>
    private static int TileRows(Data.DataShard shard, int blockRows)
    {
        var header = shard.Header;
        double rowBytes = Math.Max(1.0, header.DataBytes / (double)Math.Max(header.Rows, 1));
        long blocks = Math.Max(1, (long)(TileBytes / rowBytes) / blockRows);
        return (int)Math.Min(int.MaxValue / 2, blocks * blockRows);
    }

    /// <summary>Evaluates member <paramref name="members"/>[i] at <paramref name="points"/>[i] in one shared pass and
    /// one reduction (collective: every rank passes the same members in the same order): writes its gradient to
    /// <paramref name="gradients"/>[i] and its value to <paramref name="values"/>[i], or, when that member's sums
    /// overflowed on some rank, the agreed <see cref="NonFiniteValueException"/> to <paramref name="failures"/>[i]
    /// (the other members are unaffected).</summary>
    public void Evaluate(ReadOnlySpan<int> members, IReadOnlyList<double[]> points, IReadOnlyList<double[]> gradients,
        Span<double> values, Span<Exception?> failures)
    {
        long start = Stopwatch.GetTimestamp();
        var objectives = new LinearObjective[members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            objectives[i] = _members[members[i]];
            objectives[i].BeginBatchedPass(points[i]);
        }
        var shard = _members[0].Shard;
        int blockRows = _members[0].BlockRows, tileRows = TileRows(shard, blockRows);
        for (int tile = 0; tile < shard.Rows; tile += tileRows)
        {
            int end = Math.Min(shard.Rows, tile + tileRows);
            foreach (var objective in objectives)
                for (int first = tile; first < end; first += blockRows) objective.BatchedBlock(first);
        }
        var sums = objectives.Select(o => o.EndBatchedPass()).ToArray();
        long reduceStart = Stopwatch.GetTimestamp();
        VectorReduction.AllreduceMany(sums, _communicator, objectives.Select(o => o.ReducedTotals).ToArray());
        ComputeSeconds += Stopwatch.GetElapsedTime(start, reduceStart).TotalSeconds;
        CommunicationSeconds += Stopwatch.GetElapsedTime(reduceStart).TotalSeconds;
        Passes++;
        for (int i = 0; i < objectives.Length; i++)
        {
            failures[i] = null;
            try { values[i] = objectives[i].CompleteBatchedEvaluation(points[i], gradients[i]); }
            catch (NonFiniteValueException e) { failures[i] = e; values[i] = double.NaN; }
        }
    }
}
