using System.Numerics;

namespace MpiDescent.Communication;

/// <summary>A job of one rank without MPI: every reduction is the identity, every gather a copy.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public void Allreduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged, INumber<T> { }

    /// <inheritdoc />
    public void ReduceScatter<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> counts, Span<T> result,
        ReduceOperation operation) where T : unmanaged, INumber<T> => values[..counts[0]].CopyTo(result);

    /// <inheritdoc />
    public void Allgather<T>(ReadOnlySpan<T> local, ReadOnlySpan<int> counts, Span<T> result) where T : unmanaged =>
        local[..counts[0]].CopyTo(result);

    /// <inheritdoc />
    public void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive,
        ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        if (sendCounts[0] != receiveCounts[0]) throw new ArgumentException("one rank sends itself what it receives");
        send[..sendCounts[0]].CopyTo(receive);
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged { }

    /// <inheritdoc />
    public void Barrier() { }

    /// <inheritdoc />
    public void Abort(int exitCode) => Environment.Exit(exitCode);
}
