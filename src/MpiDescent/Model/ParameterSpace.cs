using MpiDescent.Communication;
using MpiDescent.Numerics;

namespace MpiDescent.Model;

/// <summary>
/// The vectors a solver holds: all of θ on every rank (replicated, the default), or only this rank's slice of it
/// (<c>--partition-model</c>), elements [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of the
/// <see cref="Dimension"/> parameters, in the contiguous segments of <see cref="Slices"/>. Elementwise updates need
/// nothing more; the reductions a solver takes (dot products, norms, ‖w‖₁, the largest |entry|) go through this type,
/// which computes them the same way in both cases, so that a partitioned run takes bitwise the same decisions and
/// reaches bitwise the same model as a replicated one.
/// <para>How: θ's index range is cut into fixed chunks of <see cref="ChunkLength"/> elements, a power of two that
/// depends on <see cref="Dimension"/> only (at most <see cref="MaxChunks"/> chunks). Each chunk's partial result is
/// computed from its own elements alone, in their order; the partials are then combined in chunk order. Slices are
/// whole chunks (and whole groups of the exact sum's reduce-scatter), so a rank computes the partials of its own
/// chunks, one all-gather of at most <see cref="MaxChunks"/> doubles brings every rank all of them, and every rank
/// combines the same numbers in the same order. Replicated, the same partials are combined without communication.
/// Chen, Wang and Zhou's vector-free L-BFGS (NIPS 2014) is the design for slices; this type keeps the replicated
/// arithmetic identical to it.</para>
/// </summary>
public sealed class ParameterSpace
{
    /// <summary>The most chunks θ is cut into: the size of the all-gather of one partitioned reduction.</summary>
    public const int MaxChunks = 2048;

    private readonly ICommunicator? _comm;
    private readonly int[] _chunkCounts = [];
    private readonly double[] _partials;
    private readonly double[] _all;
    private readonly int _firstChunk;

    private ParameterSpace(int dimension, ICommunicator? comm)
    {
        Dimension = dimension;
        ChunkLength = ChunkLengthFor(dimension);
        int chunks = (int)(((long)dimension + ChunkLength - 1) / ChunkLength);
        _all = new double[chunks];
        if (comm is null)
        {
            Slices = BlockLayout.Even(dimension, 1);
            Length = dimension;
            _partials = _all;
            return;
        }
        _comm = comm;
        Slices = BlockLayout.Even(dimension, comm.Size, SliceUnit(dimension));
        Start = (int)Slices.Start(comm.Rank);
        Length = Slices.Counts[comm.Rank];
        _chunkCounts = new int[comm.Size];
        for (int r = 0; r < comm.Size; r++)
            _chunkCounts[r] = (int)((Slices.End(r) + ChunkLength - 1) / ChunkLength
                - (Slices.Start(r) + ChunkLength - 1) / ChunkLength);
        _firstChunk = Start / ChunkLength;
        _partials = new double[_chunkCounts[comm.Rank]];
    }

    /// <summary>All of θ, on this rank alone (no communication).</summary>
    public static ParameterSpace Whole(int dimension) => new(dimension, null);

    /// <summary>θ cut into one slice per rank of <paramref name="comm"/> (collective use: every reduction of the space
    /// is a collective call).</summary>
    public static ParameterSpace Partitioned(int dimension, ICommunicator comm) => new(dimension, comm);

    /// <summary>Number of parameters, the length of θ.</summary>
    public int Dimension { get; }

    /// <summary>Whether each rank holds only its slice.</summary>
    public bool IsPartitioned => _comm is not null;

    /// <summary>Each rank's slice of θ (one segment of all of θ when replicated).</summary>
    public BlockLayout Slices { get; }

    /// <summary>This rank's first element of θ.</summary>
    public int Start { get; }

    /// <summary>Length of this rank's vectors.</summary>
    public int Length { get; }

    /// <summary>Elements per chunk of the reductions.</summary>
    public int ChunkLength { get; }

    /// <summary>The chunk length for <paramref name="dimension"/> parameters: the smallest power of two that makes at
    /// most <see cref="MaxChunks"/> chunks.</summary>
    public static int ChunkLengthFor(int dimension)
    {
        int length = 1;
        while ((long)length * MaxChunks < dimension) length *= 2;
        return length;
    }

    /// <summary>The granularity of slices: whole chunks, and whole groups of the exact sum's limbs.</summary>
    public static int SliceUnit(int dimension) => Math.Max(ChunkLengthFor(dimension), ExactVectorSum.GroupElements);

    /// <summary>How many of this rank's elements lie before global index <paramref name="end"/> (e.g. the penalized
    /// weights of <see cref="ParameterLayout.WeightCount"/>).</summary>
    public int LocalCountBefore(int end) => Math.Clamp(end - Start, 0, Length);

    /// <summary>aᵀb (collective when partitioned).</summary>
    public double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Array.Clear(_partials);
        for (int c = 0; c < _partials.Length; c++)
        {
            var (from, count) = Chunk(c, a.Length);
            if (count <= 0) break;
            _partials[c] = DenseKernels.Dot(a.Slice(from, count), b.Slice(from, count));
        }
        return Combine();
    }

    /// <summary>Σ a·(b − c), without forming b − c (collective when partitioned).</summary>
    public double DotOfDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        Array.Clear(_partials);
        for (int k = 0; k < _partials.Length; k++)
        {
            var (from, count) = Chunk(k, a.Length);
            if (count <= 0) break;
            double sum = 0;
            for (int i = from; i < from + count; i++) sum += a[i] * (b[i] - c[i]);
            _partials[k] = sum;
        }
        return Combine();
    }

    /// <summary>Σ (b − c)², the squared distance (collective when partitioned).</summary>
    public double SquaredDistance(ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        Array.Clear(_partials);
        for (int k = 0; k < _partials.Length; k++)
        {
            var (from, count) = Chunk(k, b.Length);
            if (count <= 0) break;
            double sum = 0;
            for (int i = from; i < from + count; i++) sum += (b[i] - c[i]) * (b[i] - c[i]);
            _partials[k] = sum;
        }
        return Combine();
    }

    /// <summary>‖v‖₂ (collective when partitioned).</summary>
    public double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot(v, v));

    /// <summary>Σ vⱼ² over the elements of global index below <paramref name="end"/> (collective when
    /// partitioned).</summary>
    public double SquaredNormBefore(ReadOnlySpan<double> v, int end)
    {
        var head = v[..LocalCountBefore(end)];
        return Dot(head, head);
    }

    /// <summary>Σ |vⱼ| over the elements of global index below <paramref name="end"/> (collective when
    /// partitioned).</summary>
    public double AbsoluteSumBefore(ReadOnlySpan<double> v, int end)
    {
        var head = v[..LocalCountBefore(end)];
        Array.Clear(_partials);
        for (int k = 0; k < _partials.Length; k++)
        {
            var (from, count) = Chunk(k, head.Length);
            if (count <= 0) break;
            double sum = 0;
            for (int i = from; i < from + count; i++) sum += Math.Abs(head[i]);
            _partials[k] = sum;
        }
        return Combine();
    }

    /// <summary>max |vⱼ| (0 for no elements; collective when partitioned). A maximum does not depend on the order, so
    /// this is one scalar reduction.</summary>
    public double MaxAbs(ReadOnlySpan<double> v)
    {
        double max = 0;
        foreach (double x in v) max = Math.Max(max, Math.Abs(x));
        return _comm is null ? max : _comm.Max(max);
    }

    /// <summary>All of θ from this rank's slice, on every rank (an all-gather when partitioned, a copy
    /// otherwise).</summary>
    public void Gather(ReadOnlySpan<double> slice, Span<double> whole)
    {
        if (_comm is null) slice.CopyTo(whole);
        else _comm.Allgather(slice, Slices.Counts, whole[..Dimension]);
    }

    /// <summary>All of θ from this rank's slice (see
    /// <see cref="Gather(ReadOnlySpan{double}, Span{double})"/>).</summary>
    public double[] Gather(ReadOnlySpan<double> slice)
    {
        var whole = new double[Dimension];
        Gather(slice, whole);
        return whole;
    }

    /// <summary>This rank's slice of a whole vector.</summary>
    public double[] SliceOf(ReadOnlySpan<double> whole) => whole.Slice(Start, Length).ToArray();

    /// <summary>The local range of this rank's chunk <paramref name="c"/> within the first <paramref name="length"/>
    /// elements of its vectors (a count of 0 or less: none).</summary>
    private (int From, int Count) Chunk(int c, int length)
    {
        int from = (_firstChunk + c) * ChunkLength - Start;
        return (from, Math.Min(ChunkLength, length - from));
    }

    /// <summary>The partials of every chunk, combined in chunk order.</summary>
    private double Combine()
    {
        if (_comm is not null) _comm.Allgather<double>(_partials, _chunkCounts, _all);
        double sum = 0;
        foreach (double p in _all) sum += p;
        return sum;
    }
}
