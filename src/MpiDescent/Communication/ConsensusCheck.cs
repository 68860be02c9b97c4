using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace MpiDescent.Communication;

/// <summary>Verifies that every rank holds bitwise the same bytes (the final model, the data file's header): each rank
/// hashes its copy and one gather collects the hashes.</summary>
public static class ConsensusCheck
{
    /// <summary>Returns the ranks whose copy differs from rank 0's (empty when all agree).</summary>
    public static int[] RanksDifferingFromRoot(ICommunicator comm, ReadOnlySpan<double> values) =>
        RanksDifferingFromRoot(comm, MemoryMarshal.AsBytes(values));

    /// <summary>Returns the ranks whose <paramref name="bytes"/> differ from rank 0's (empty when all agree).</summary>
    public static int[] RanksDifferingFromRoot(ICommunicator comm, ReadOnlySpan<byte> bytes)
    {
        var hashes = comm.AllGather<ulong>([XxHash3.HashToUInt64(bytes)]);
        return Enumerable.Range(0, comm.Size).Where(r => hashes[r] != hashes[0]).ToArray();
    }
}
