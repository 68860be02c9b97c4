using MpiDescent.Communication;

namespace MpiDescent.Data;

/// <summary>Checks that every rank opened the same data file: a file replaced while the ranks open it (<c>mv new.bin
/// data.bin</c>) would otherwise have some ranks train on the old rows and others on the new ones.</summary>
public static class DataAgreement
{
    /// <summary>Compares the header (with its content checksum) of <paramref name="file"/> across ranks in one gather
    /// (collective; fails on every rank alike).</summary>
    /// <exception cref="InputFileException">Some ranks read a different header than rank 0.</exception>
    public static void Check(ICommunicator comm, DataFile file)
    {
        var differing = ConsensusCheck.RanksDifferingFromRoot(comm, file.HeaderBytes);
        if (differing.Length == 0) return;
        string ranks = differing.Length == 1 ? $"rank {differing[0]}" : $"ranks {string.Join(",", differing)}";
        throw new InputFileException(file.Path, $"{ranks} opened a different file than rank 0 (the header or content "
            + "checksum differs): was the file replaced while the job started? Every rank must read the same data");
    }
}
