using System.Numerics;

namespace MpiDescent.Communication;

/// <summary>How a reduction combines the values of the ranks, element by element.</summary>
public enum ReduceOperation
{
    /// <summary>The sum (integers wrap; floating point: the result may depend on the reduction order).</summary>
    Sum,
    /// <summary>The largest value.</summary>
    Max,
    /// <summary>The smallest value.</summary>
    Min,
}

/// <summary>
/// The collective operations MpiDescent needs, implemented by MPI (<see cref="MpiCommunicator"/>), a single process
/// (<see cref="SingleProcessCommunicator"/>) and threads in one process (<see cref="ThreadedCommunicator"/>, for unit
/// tests). Every member is collective: all ranks call it in the same order with compatible arguments. Element types are
/// those MPI has a type for: <see cref="double"/>, <see cref="float"/>, <see cref="long"/>, <see cref="ulong"/>,
/// <see cref="int"/> and, for the operations that do no arithmetic, <see cref="byte"/>. Messages of any size are
/// allowed: implementations split what MPI's 32-bit counts cannot carry in one call. </summary>
public interface ICommunicator
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    /// <summary>Number of ranks in the job.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the elementwise reduction over ranks.</summary>
    void Allreduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged, INumber<T>;

    /// <summary>Reduces <paramref name="values"/> (Σ <paramref name="counts"/> elements, the same layout on every rank)
    /// elementwise over ranks and delivers segment r (the <paramref name="counts"/>[r] elements after those of ranks
    /// before r) to rank r only: <paramref name="result"/> has counts[Rank] elements.</summary>
    void ReduceScatter<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> counts, Span<T> result, ReduceOperation operation)
        where T : unmanaged, INumber<T>;

    /// <summary>Concatenates every rank's <paramref name="local"/> (counts[r] elements from rank r) in rank order into
    /// <paramref name="result"/> (Σ counts elements) on every rank.</summary>
    void Allgather<T>(ReadOnlySpan<T> local, ReadOnlySpan<int> counts, Span<T> result) where T : unmanaged;

    /// <summary>Personalized exchange: sends <paramref name="sendCounts"/>[r] elements of <paramref name="send"/> (the
    /// parts for ranks 0, 1, … in rank order) to each rank r, and receives <paramref name="receiveCounts"/>[r] elements
    /// from each rank r into <paramref name="receive"/> (in rank order). What rank s sends to r is what r expects from
    /// s. A rank's buffers hold fewer than 2³¹ elements.</summary>
    void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive,
        ReadOnlySpan<int> receiveCounts) where T : unmanaged;

    /// <summary>Replaces <paramref name="values"/> on every rank by rank <paramref name="root"/>'s.</summary>
    void Broadcast<T>(Span<T> values, int root) where T : unmanaged;

    /// <summary>Waits until every rank has arrived.</summary>
    void Barrier();

    /// <summary>Ends the whole job at once with <paramref name="exitCode"/>; used only when ranks can no longer
    /// agree.</summary>
    void Abort(int exitCode);

    /// <summary>The stall watchdog of the collectives, where there is one (MPI; null for one process or
    /// threads).</summary>
    CollectiveWatchdog? Watchdog => null;
}
