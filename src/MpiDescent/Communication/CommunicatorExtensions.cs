namespace MpiDescent.Communication;

/// <summary>Broadcast and gather built from the exact integer sum, so that every communicator gets them for free.</summary>
public static class CommunicatorExtensions
{
    /// <summary>Returns rank 0's <paramref name="value"/> on every rank.</summary>
    public static long BroadcastFromRoot(this ICommunicator comm, long value)
    {
        var buffer = new[] { comm.Rank == 0 ? value : 0L };
        comm.AllreduceSum(buffer);
        return buffer[0];
    }

    /// <summary>Gathers <paramref name="local"/> (the same length on every rank) from all ranks:
    /// the result holds rank r's values at [r·k, (r+1)·k). Exact, since every slot is a sum of one value and zeros.</summary>
    public static double[] AllGather(this ICommunicator comm, ReadOnlySpan<double> local)
    {
        int k = local.Length;
        var buffer = new double[k * comm.Size];
        local.CopyTo(buffer.AsSpan(comm.Rank * k, k));
        comm.AllreduceSum(buffer);
        return buffer;
    }

    /// <summary>Which ranks have <paramref name="flag"/> set, in rank order, the same on every rank.</summary>
    public static int[] RanksWhere(this ICommunicator comm, bool flag)
    {
        var buffer = new long[comm.Size];
        buffer[comm.Rank] = flag ? 1 : 0;
        comm.AllreduceSum(buffer);
        return Enumerable.Range(0, comm.Size).Where(r => buffer[r] != 0).ToArray();
    }
}
