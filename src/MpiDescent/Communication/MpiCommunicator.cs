namespace MpiDescent.Communication;

/// <summary>The MPI world communicator through MPI.NET. Sums use the cached <c>Operation&lt;T&gt;.Add</c>
/// delegates (native MPI_SUM) and preallocated result buffers, so a reduction allocates nothing.</summary>
public sealed class MpiCommunicator : ICommunicator
{
    private readonly MPI.Intracommunicator _world;
    private double[] _doubleResult = [];
    private long[] _longResult = [];

    /// <summary>Wraps MPI.NET's world communicator; MPI must already be initialized.</summary>
    public MpiCommunicator(MPI.Intracommunicator world) => _world = world;

    /// <inheritdoc />
    public int Rank => _world.Rank;

    /// <inheritdoc />
    public int Size => _world.Size;

    /// <inheritdoc />
    public void AllreduceSum(double[] values)
    {
        if (_doubleResult.Length != values.Length) _doubleResult = new double[values.Length];
        _world.Allreduce(values, MPI.Operation<double>.Add, ref _doubleResult);
        _doubleResult.CopyTo(values, 0);
    }

    /// <inheritdoc />
    public void AllreduceSum(long[] values)
    {
        if (_longResult.Length != values.Length) _longResult = new long[values.Length];
        _world.Allreduce(values, MPI.Operation<long>.Add, ref _longResult);
        _longResult.CopyTo(values, 0);
    }

    /// <inheritdoc />
    public void Barrier() => _world.Barrier();

    /// <inheritdoc />
    public void Abort(int exitCode) => _world.Abort(exitCode);
}
