using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace MpiDescent.Communication;

/// <summary>Verifies that every rank holds bitwise the same vector (e.g. the final model): each rank hashes its copy
/// and one reduction gathers the hashes.</summary>
public static class ConsensusCheck
{
    /// <summary>Returns the ranks whose copy differs from rank 0's (empty when all agree).</summary>
    public static int[] RanksDifferingFromRoot(ICommunicator comm, ReadOnlySpan<double> values)
    {
        var hashes = new long[comm.Size];
        hashes[comm.Rank] = (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(values));
        comm.AllreduceSum(hashes);
        return Enumerable.Range(0, comm.Size).Where(r => hashes[r] != hashes[0]).ToArray();
    }
}
