namespace MpiDescent.Communication;

/// <summary>
/// The collective operations MpiDescent needs, implemented by MPI (<see cref="MpiCommunicator"/>),
/// a single process (<see cref="SingleProcessCommunicator"/>) and threads in one process
/// (<see cref="ThreadedCommunicator"/>, for unit tests). Every member is collective:
/// all ranks call it in the same order.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    /// <summary>Number of ranks in the job.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the elementwise sum over ranks
    /// (floating point: the result may depend on the reduction order).</summary>
    void AllreduceSum(double[] values);

    /// <summary>Replaces <paramref name="values"/> on every rank by the elementwise sum over ranks.
    /// Integer addition is associative, so the result is exact and independent of the order.</summary>
    void AllreduceSum(long[] values);

    /// <summary>Waits until every rank has arrived.</summary>
    void Barrier();

    /// <summary>Ends the whole job at once with <paramref name="exitCode"/>; used only when ranks can no longer agree.</summary>
    void Abort(int exitCode);
}
