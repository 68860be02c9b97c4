using System.Numerics;
using System.Runtime.CompilerServices;

namespace MpiDescent.Communication;

/// <summary>
/// A communicator that counts, for this rank, the bytes the collectives of another one move as ring algorithms move
/// them (the β term of the α-β model in docs/cluster.md; what a rank sends, which for a ring is what it receives):
/// an all-reduce of S bytes 2(P − 1)/P·S, a reduce-scatter S minus the rank's own segment, an all-gather the whole
/// minus the rank's own part, a broadcast S. One rank moves nothing. The run report's traffic per evaluation,
/// partitioned beside replicated, is counted with it.
/// </summary>
public sealed class TrafficCounter(ICommunicator inner) : ICommunicator
{
    /// <summary>Bytes this rank's collectives have moved so far.</summary>
    public long MovedBytes { get; private set; }

    /// <inheritdoc />
    public int Rank => inner.Rank;

    /// <inheritdoc />
    public int Size => inner.Size;

    /// <inheritdoc />
    public CollectiveWatchdog? Watchdog => inner.Watchdog;

    /// <summary>What a ring all-reduce of <paramref name="bytes"/> moves per rank at <paramref name="ranks"/>
    /// ranks.</summary>
    public static long AllreduceBytes(long bytes, int ranks) => 2 * (ranks - 1) * bytes / ranks;

    /// <inheritdoc />
    public void Allreduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        inner.Allreduce(values, operation);
        Count(AllreduceBytes(Bytes<T>(values.Length), Size));
    }

    /// <inheritdoc />
    public void ReduceScatter<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> counts, Span<T> result,
        ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        inner.ReduceScatter(values, counts, result, operation);
        Count(Bytes<T>(values.Length - counts[Rank]));
    }

    /// <inheritdoc />
    public void Allgather<T>(ReadOnlySpan<T> local, ReadOnlySpan<int> counts, Span<T> result) where T : unmanaged
    {
        inner.Allgather(local, counts, result);
        long total = 0;
        foreach (int c in counts) total += c;
        Count(Bytes<T>(total - local.Length));
    }

    /// <inheritdoc />
    public void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive,
        ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        inner.Alltoallv(send, sendCounts, receive, receiveCounts);
        long total = 0;
        foreach (int c in sendCounts) total += c;
        Count(Bytes<T>(total - sendCounts[Rank]));
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        inner.Broadcast(values, root);
        Count(Bytes<T>(values.Length));
    }

    /// <inheritdoc />
    public void Barrier() => inner.Barrier();

    /// <inheritdoc />
    public void Abort(int exitCode) => inner.Abort(exitCode);

    private void Count(long bytes)
    {
        if (Size > 1) MovedBytes += bytes;
    }

    private static long Bytes<T>(long count) where T : unmanaged => count * Unsafe.SizeOf<T>();
}
