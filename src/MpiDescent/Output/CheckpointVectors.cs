using System.IO.Hashing;
using System.Runtime.InteropServices;
using MpiDescent.Model;

namespace MpiDescent.Output;

/// <summary>
/// The vectors of a partitioned run's checkpoint (θ, then the solver's vectors of θ's length), in a binary file beside
/// the checkpoint that every rank writes its slices into at their offsets, so that no rank ever holds more than its
/// slice: a 64-byte header (<see cref="Magic"/>, the dimension, the vector count, the chunk length), then the vectors
/// one after another as little-endian float64. The checkpoint names the file and keeps one XXH3-64 checksum per vector
/// and chunk of <see cref="ParameterSpace.ChunkLength"/> elements (slices are whole chunks at any rank count), so a
/// resume at any rank count, partitioned or not, reads and verifies exactly the chunks it needs.
/// </summary>
/// <param name="File">The file's name, in the checkpoint's directory.</param>
/// <param name="Dimension">Elements per vector.</param>
/// <param name="Count">Vectors in the file.</param>
/// <param name="ChunkLength">Elements per checksummed chunk.</param>
/// <param name="Checksums">XXH3-64 of each chunk's bytes, vector by vector.</param>
public sealed record CheckpointVectors(string File, int Dimension, int Count, int ChunkLength, ulong[] Checksums)
{
    /// <summary>The first 8 bytes of the file.</summary>
    public static readonly byte[] Magic = "MPDVEC01"u8.ToArray();

    private const int HeaderBytes = 64;

    private int Chunks => (int)(((long)Dimension + ChunkLength - 1) / ChunkLength);

    /// <summary>Rank 0's part of writing: creates <paramref name="path"/>, the file of checkpoint
    /// <paramref name="checkpointPath"/>'s <paramref name="count"/> vectors of <paramref name="space"/>'s dimension,
    /// its header written and its length set (the other ranks write into it once this is agreed).</summary>
    public static void Create(string checkpointPath, string path, ParameterSpace space, int count)
    {
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            var header = new byte[HeaderBytes];
            Magic.CopyTo(header, 0);
            BitConverter.TryWriteBytes(header.AsSpan(8), (long)space.Dimension);
            BitConverter.TryWriteBytes(header.AsSpan(16), (long)count);
            BitConverter.TryWriteBytes(header.AsSpan(24), (long)space.ChunkLength);
            file.Write(header);
            file.SetLength(HeaderBytes + 8L * space.Dimension * count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            System.IO.File.Delete(path);
            throw new InputFileException(checkpointPath, $"cannot write its vectors to {path}: {e.Message}", e);
        }
    }

    /// <summary>Every rank's part: writes this rank's <paramref name="slices"/> (one per vector) at their offsets of
    /// <paramref name="path"/>, flushes them to disk, and returns their chunks' checksums, vector by vector.</summary>
    public static ulong[] WriteSlices(string path, ParameterSpace space, IReadOnlyList<double[]> slices)
    {
        int chunks = ChunksOf(space);
        var checksums = new ulong[slices.Count * chunks];
        try
        {
            using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            for (int v = 0; v < slices.Count; v++)
            {
                var bytes = MemoryMarshal.AsBytes(slices[v].AsSpan(0, space.Length));
                RandomAccess.Write(handle, bytes, Offset(space.Dimension, v, space.Start));
                for (int c = 0; c < chunks; c++)
                {
                    var (from, count) = ChunkRange(space, c);
                    checksums[v * chunks + c] = XxHash3.HashToUInt64(bytes.Slice(8 * from, 8 * count));
                }
            }
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException e)
        {
            throw new InputFileException(path, $"cannot write this rank's slices: {e.Message}", e);
        }
        return checksums;
    }

    /// <summary>The manifest of a written file of <paramref name="count"/> vectors from every rank's checksums
    /// (<paramref name="gathered"/>: each rank's <see cref="WriteSlices"/> result, in rank order), naming it
    /// <paramref name="file"/>.</summary>
    public static CheckpointVectors Manifest(string file, ParameterSpace space, int count, ulong[] gathered)
    {
        int total = (int)((space.Dimension + (long)space.ChunkLength - 1) / space.ChunkLength);
        var checksums = new ulong[count * total];
        int at = 0;
        for (int r = 0; r < space.Slices.Segments; r++)
        {
            int first = (int)(space.Slices.Start(r) / space.ChunkLength), mine = ChunksOf(space.Slices, r, space);
            for (int v = 0; v < count; v++)
                for (int c = 0; c < mine; c++) checksums[v * total + first + c] = gathered[at++];
        }
        return new CheckpointVectors(file, space.Dimension, count, space.ChunkLength, checksums);
    }

    /// <summary>How many checksums each rank's <see cref="WriteSlices"/> returns, in rank order.</summary>
    public static int[] ChecksumCounts(ParameterSpace space, int count) =>
        Enumerable.Range(0, space.Slices.Segments).Select(r => count * ChunksOf(space.Slices, r, space)).ToArray();

    /// <summary>Reads this rank's slice of every vector from the file beside <paramref name="checkpointPath"/>
    /// (all of each vector when <paramref name="space"/> is replicated), verifying every chunk it reads.</summary>
    /// <exception cref="InputFileException">Missing, of another shape, or a chunk whose checksum does not
    /// match.</exception>
    public double[][] ReadSlices(string checkpointPath, ParameterSpace space)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!, File);
        void Fail(string problem) => throw new InputFileException(path, $"the vectors of checkpoint " +
            $"{checkpointPath}: {problem}");
        if (space.Dimension != Dimension) Fail($"{Dimension} per vector, but the model has {space.Dimension}");
        if (space.ChunkLength != ChunkLength) Fail($"chunks of {ChunkLength}, not {space.ChunkLength}");
        if (Checksums.Length != Count * Chunks) Fail($"{Checksums.Length} checksums for {Count} vectors of {Chunks}");
        var vectors = new double[Count][];
        try
        {
            using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var header = new byte[HeaderBytes];
            if (RandomAccess.Read(handle, header, 0) != HeaderBytes || !header.AsSpan(0, 8).SequenceEqual(Magic)
                || BitConverter.ToInt64(header, 8) != Dimension || BitConverter.ToInt64(header, 16) != Count
                || BitConverter.ToInt64(header, 24) != ChunkLength)
                Fail("its header does not match the checkpoint");
            int first = space.Start / ChunkLength, chunks = ChunksOf(space);
            for (int v = 0; v < Count; v++)
            {
                vectors[v] = new double[space.Length];
                var bytes = MemoryMarshal.AsBytes(vectors[v].AsSpan());
                if (RandomAccess.Read(handle, bytes, Offset(Dimension, v, space.Start)) != bytes.Length)
                    Fail("the file is shorter than its vectors");
                for (int c = 0; c < chunks; c++)
                {
                    var (from, count) = ChunkRange(space, c);
                    if (XxHash3.HashToUInt64(bytes.Slice(8 * from, 8 * count)) != Checksums[v * Chunks + first + c])
                        Fail($"vector {v}, elements {space.Start + from}-{space.Start + from + count - 1}: checksum " +
                            "mismatch (changed or damaged after it was written)");
                }
                if (Array.FindIndex(vectors[v], x => !double.IsFinite(x)) is int bad and >= 0)
                    Fail($"vector {v}, element {space.Start + bad}: not a finite number");
            }
        }
        catch (IOException e) { Fail(e.Message); }
        return vectors;
    }

    private static long Offset(int dimension, int vector, int element) =>
        HeaderBytes + 8L * ((long)vector * dimension + element);

    private static int ChunksOf(ParameterSpace space) =>
        (int)(((long)space.Length + space.ChunkLength - 1) / space.ChunkLength);

    private static int ChunksOf(Communication.BlockLayout slices, int rank, ParameterSpace space) =>
        (int)(((long)slices.Counts[rank] + space.ChunkLength - 1) / space.ChunkLength);

    /// <summary>The local range of this rank's chunk <paramref name="c"/>.</summary>
    private static (int From, int Count) ChunkRange(ParameterSpace space, int c) =>
        (c * space.ChunkLength, Math.Min(space.ChunkLength, space.Length - c * space.ChunkLength));

}
