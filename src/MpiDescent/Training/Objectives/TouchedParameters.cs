using MpiDescent.Communication;
using MpiDescent.Model;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// On a partitioned model over sparse rows, the parameters of θ a rank's rows touch: every output's weights of the
/// features its rows have entries for, and the intercepts. The rank's pass works on them alone, in a compact local θ
/// (local index i holds θ index <see cref="Indices"/>[i], ascending), so its buffers and sums have the length of what
/// it touches, not of θ. Built once (collective: each owner learns, by one all-to-all, which of its parameters each
/// rank needs); each evaluation then fetches the touched parameters from their owners (<see cref="Fetch"/>, one
/// all-to-all) and returns the touched sums to them (<see cref="Return"/>, one all-to-all), where each owner combines
/// the contributions as the replicated reduction combines whole vectors: the same bits.
/// </summary>
public sealed class TouchedParameters
{
    private readonly ICommunicator _comm;
    private readonly ParameterSpace _space;
    // Per rank: how many parameters this rank asks of it, and it of this rank.
    private readonly int[] _requestCounts, _serveCounts;
    private readonly int[] _requestWords, _serveWords; // the same in words of a windowed sum's state
    private readonly int[] _targets; // for each served parameter, in requester order: its offset in this rank's slice
    private readonly double[] _outgoing;
    private long[] _states = [];
    private double[] _values = [];
    private int[] _top = [];
    private long[] _limbs = [];

    /// <summary>Plans the exchange for the objective whose θ has <paramref name="global"/>'s layout over the
    /// renumbered <paramref name="features"/> (each local feature's original index, ascending), partitioned by
    /// <paramref name="space"/> (collective).</summary>
    public TouchedParameters(int[] features, ParameterLayout global, ParameterSpace space, ICommunicator comm)
    {
        _comm = comm;
        _space = space;
        Local = global with { Features = features.Length };
        int t = features.Length;
        Indices = new int[Local.Dimension];
        for (int k = 0; k < global.Outputs; k++)
            for (int j = 0; j < t; j++) Indices[k * t + j] = k * global.Features + features[j];
        for (int k = 0; k < Local.Dimension - Local.WeightCount; k++) Indices[Local.WeightCount + k] =
            global.WeightCount + k;
        int size = comm.Size;
        _requestCounts = new int[size];
        foreach (int index in Indices) _requestCounts[space.Slices.SegmentOf(index)]++;
        var all = comm.AllGather<int>(_requestCounts);
        _serveCounts = Enumerable.Range(0, size).Select(r => all[r * size + comm.Rank]).ToArray();
        _targets = new int[_serveCounts.Sum()];
        comm.Alltoallv<int>(Indices, _requestCounts, _targets, _serveCounts);
        for (int q = 0; q < _targets.Length; q++) _targets[q] -= space.Start;
        _outgoing = new double[_targets.Length];
        _requestWords = Scaled(_requestCounts, WindowedVectorSum.StateWords);
        _serveWords = Scaled(_serveCounts, WindowedVectorSum.StateWords);
    }

    /// <summary>The layout of the local θ: the touched features' weights of every output, then the
    /// intercepts.</summary>
    public ParameterLayout Local { get; }

    /// <summary>The θ index of each local parameter, ascending.</summary>
    public int[] Indices { get; }

    /// <summary>Parameters of this rank's slice that other ranks' rows (and its own) touch, counted once per
    /// rank.</summary>
    public int Served => _targets.Length;

    /// <summary>The local θ from the owners' slices: <paramref name="slice"/> is this rank's (collective).</summary>
    public void Fetch(ReadOnlySpan<double> slice, Span<double> local)
    {
        for (int q = 0; q < _targets.Length; q++) _outgoing[q] = slice[_targets[q]];
        _comm.Alltoallv<double>(_outgoing, _serveCounts, local[..Indices.Length], _requestCounts);
    }

    /// <summary>Sends the local sums of elements [0, <see cref="Indices"/>.Length) of <paramref name="sum"/> to the
    /// owners of their parameters and writes this rank's slice's totals to <paramref name="mine"/> (collective):
    /// windowed sums as their windows and limbs, combined by the owner to the bits of the replicated all-reduce; plain
    /// sums as doubles, added in rank order.</summary>
    public void Return(IVectorSum sum, Span<double> mine)
    {
        int n = Indices.Length, owned = _space.Length;
        switch (sum)
        {
            case WindowedVectorSum windowed:
                {
                    const int words = WindowedVectorSum.StateWords;
                    if (_states.Length != _targets.Length * words) _states = new long[_targets.Length * words];
                    if (_top.Length != owned)
                        (_top, _limbs) = (new int[owned], new long[owned * WindowedVectorSum.LimbsPerValue]);
                    _comm.Alltoallv(windowed.State[..(n * words)], _requestWords, _states, _serveWords);
                    WindowedVectorSum.CombineContributions(_states, _targets, mine[..owned], _top, _limbs);
                    break;
                }
            case PlainVectorSum plain:
                if (_values.Length != _targets.Length) _values = new double[_targets.Length];
                _comm.Alltoallv<double>(plain.Values[..n], _requestCounts, _values, _serveCounts);
                mine[..owned].Clear();
                for (int q = 0; q < _targets.Length; q++) mine[_targets[q]] += _values[q];
                break;
            default: throw new ArgumentException($"a sparse reduction of {sum.GetType().Name}");
        }
    }

    private static int[] Scaled(int[] counts, int factor) => counts.Select(c => checked(c * factor)).ToArray();
}
