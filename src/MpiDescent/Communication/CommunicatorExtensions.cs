using System.Numerics;

namespace MpiDescent.Communication;

/// <summary>Shorthands over <see cref="ICommunicator"/>'s collectives.</summary>
public static class CommunicatorExtensions
{
    /// <summary>Elementwise sum over ranks, in place.</summary>
    public static void AllreduceSum<T>(this ICommunicator comm, Span<T> values) where T : unmanaged, INumber<T> =>
        comm.Allreduce(values, ReduceOperation.Sum);

    /// <summary>Elementwise maximum over ranks, in place.</summary>
    public static void AllreduceMax<T>(this ICommunicator comm, Span<T> values) where T : unmanaged, INumber<T> =>
        comm.Allreduce(values, ReduceOperation.Max);

    /// <summary>The maximum of one value over ranks.</summary>
    public static T Max<T>(this ICommunicator comm, T value) where T : unmanaged, INumber<T>
    {
        Span<T> buffer = [value];
        comm.Allreduce(buffer, ReduceOperation.Max);
        return buffer[0];
    }

    /// <summary>Returns rank 0's <paramref name="value"/> on every rank.</summary>
    public static T BroadcastFromRoot<T>(this ICommunicator comm, T value) where T : unmanaged
    {
        Span<T> buffer = [value];
        comm.Broadcast(buffer, 0);
        return buffer[0];
    }

    /// <summary>Gathers <paramref name="local"/> (the same length on every rank) from all ranks: the result holds rank
    /// r's values at [r·k, (r+1)·k).</summary>
    public static T[] AllGather<T>(this ICommunicator comm, ReadOnlySpan<T> local) where T : unmanaged
    {
        var counts = new int[comm.Size];
        Array.Fill(counts, local.Length);
        var result = new T[local.Length * comm.Size];
        comm.Allgather(local, counts, result);
        return result;
    }

    /// <summary>Which ranks have <paramref name="flag"/> set, in rank order, the same on every rank.</summary>
    public static int[] RanksWhere(this ICommunicator comm, bool flag)
    {
        var flags = comm.AllGather<int>([flag ? 1 : 0]);
        return Enumerable.Range(0, comm.Size).Where(r => flags[r] != 0).ToArray();
    }
}
