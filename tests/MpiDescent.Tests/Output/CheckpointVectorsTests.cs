using MpiDescent.Communication;
using MpiDescent.Model;
using MpiDescent.Output;

namespace MpiDescent.Tests.Output;

/// <summary>A partitioned checkpoint's vectors file (issue 14): written by every rank at its offsets, read back at
/// another rank count or replicated with the same values, and a damaged, truncated or missing file refused naming the
/// file, the vector and the elements.</summary>
public class CheckpointVectorsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TestData.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static double[][] Vectors(int n) => Enumerable.Range(0, 3)
        .Select(v => Enumerable.Range(0, n).Select(i => v * 1e6 + i + 0.25).ToArray()).ToArray();

    /// <summary>Writes <paramref name="vectors"/> from <paramref name="ranks"/> ranks; returns the manifest and the
    /// checkpoint path it belongs to.</summary>
    private (CheckpointVectors Manifest, string Checkpoint) Write(double[][] vectors, int ranks)
    {
        var checkpoint = Path.Combine(_dir, "ck.json");
        var path = checkpoint + ".vectors";
        var manifests = ThreadedCommunicator.Run(ranks, comm =>
        {
            var space = ParameterSpace.Partitioned(vectors[0].Length, comm);
            if (comm.Rank == 0) CheckpointVectors.Create(checkpoint, path, space, vectors.Length);
            comm.Barrier();
            var mine = CheckpointVectors.WriteSlices(path, space, vectors.Select(v => space.SliceOf(v)).ToArray());
            var counts = CheckpointVectors.ChecksumCounts(space, vectors.Length);
            var gathered = new ulong[counts.Sum()];
            comm.Allgather<ulong>(mine, counts, gathered);
            return CheckpointVectors.Manifest(Path.GetFileName(path), space, vectors.Length, gathered);
        });
        return (manifests[0], checkpoint);
    }

    [Test]
    public void ReadSlices_WrittenAt3Ranks_SameValuesAtAnyRankCountAndReplicated([Values(5, 4097, 70001)] int n)
    {
        var vectors = Vectors(n);
        var (manifest, checkpoint) = Write(vectors, 3);
        Assert.That(manifest.ReadSlices(checkpoint, ParameterSpace.Whole(n)), Is.EqualTo(vectors));
        foreach (int ranks in new[] { 2, 4 })
        {
            var parts = ThreadedCommunicator.Run(ranks, comm => manifest.ReadSlices(checkpoint,
                ParameterSpace.Partitioned(n, comm)));
            for (int v = 0; v < vectors.Length; v++)
                Assert.That(parts.SelectMany(p => p[v]).ToArray(), Is.EqualTo(vectors[v]), $"{ranks} ranks");
        }
    }

    [Test]
    public void ReadSlices_DamagedTruncatedOrMissing_InputErrorNamingTheFile()
    {
        var (manifest, checkpoint) = Write(Vectors(4097), 2);
        var path = checkpoint + ".vectors";
        var bytes = File.ReadAllBytes(path);
        bytes[64 + 8 * (4097 + 3000) + 2] ^= 0x10; // vector 1, element 3000
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InputFileException>(() => manifest.ReadSlices(checkpoint, ParameterSpace.Whole(4097)))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain("vector 1, elements").And.Contain("checksum mismatch"));
        File.WriteAllBytes(path, bytes[..1000]);
        e = Assert.Throws<InputFileException>(() => manifest.ReadSlices(checkpoint, ParameterSpace.Whole(4097)))!;
        Assert.That(e.Message, Does.Contain("shorter than its vectors"));
        File.Delete(path);
        e = Assert.Throws<InputFileException>(() => manifest.ReadSlices(checkpoint, ParameterSpace.Whole(4097)))!;
        Assert.That(e.Message, Does.StartWith(path));
        Assert.Throws<InputFileException>(() => manifest.ReadSlices(checkpoint, ParameterSpace.Whole(4096)));
    }
}
