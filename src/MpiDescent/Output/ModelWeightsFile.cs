using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using MpiDescent.IO;

namespace MpiDescent.Output;

/// <summary>
/// The weights of a wide model, kept in a binary file beside its model.json so that the model file stays readable: a
/// model with more than <see cref="InlineLimit"/> weights (K·d, K = 1 except for softmax) names this file in its
/// <c>weightsFile</c> field instead of listing them. The file is a 64-byte header (<see cref="Magic"/>, then K, d, the
/// encoding (0 dense, 1 pairs) and the number of stored values n, each a little-endian int64; the rest zero), then
/// either K·d little-endian float64, class by class (dense), or, when fewer than a quarter of the weights are non-zero
/// (an L1 model), n int64 positions k·d + j in increasing order followed by their n float64 values (pairs; a weight
/// not listed is +0). The model records the file's name (in the model's directory), its encoding, n, its size and an
/// XXH3-64 checksum of all its bytes, so that a missing, truncated, damaged or replaced file is an error naming it.
/// </summary>
/// <param name="File">The file's name, in the model file's directory.</param>
/// <param name="Encoding">"dense" or "pairs".</param>
/// <param name="Values">The values stored: K·d (dense) or the non-zero weights (pairs).</param>
/// <param name="Bytes">The file's size in bytes.</param>
/// <param name="Checksum">XXH3-64 of the whole file, 16 hex digits.</param>
public sealed record ModelWeightsFile(string File, string Encoding, long Values, long Bytes, string Checksum)
{
    /// <summary>The most weights (K·d) a model file lists inline; a wider model keeps them in a weights
    /// file.</summary>
    public const int InlineLimit = 16384;

    /// <summary>The first 8 bytes of a weights file.</summary>
    public static readonly byte[] Magic = "MPDWGT01"u8.ToArray();

    /// <summary>The size of the header before the values.</summary>
    public const int HeaderBytes = 64;

    private const string Dense = "dense", Pairs = "pairs";
    private const int ChunkValues = 1 << 16;

    /// <summary>Whether a model of <paramref name="weights"/> weights (K·d) keeps them in a weights file.</summary>
    public static bool IsNeeded(long weights) => weights > InlineLimit;

    /// <summary>The weights file of model file <paramref name="modelPath"/>: its final target (a symbolic link seen
    /// through) with the extension <c>.weights.bin</c> (<c>m.model.json</c> keeps
    /// <c>m.model.weights.bin</c>).</summary>
    public static string PathFor(string modelPath) =>
        Path.ChangeExtension(OutputPaths.FinalTarget(modelPath), ".weights.bin");

    /// <summary>Writes the K weight vectors <paramref name="weights"/> (each of d) atomically to
    /// <paramref name="path"/> and returns what the model file records about it.</summary>
    /// <exception cref="InputFileException">The file cannot be written.</exception>
    public static ModelWeightsFile Write(string path, IReadOnlyList<double[]> weights)
    {
        int outputs = weights.Count, features = weights[0].Length;
        long nonzeros = 0;
        foreach (var vector in weights)
            foreach (double w in vector)
                if (BitConverter.DoubleToInt64Bits(w) != 0) nonzeros++; // -0 is stored, so reading gives the bits back
        long total = (long)outputs * features;
        bool pairs = nonzeros < total / 4;
        long values = pairs ? nonzeros : total;
        var hash = new XxHash3();
        using var file = new AtomicFile(path);
        void Put(ReadOnlySpan<byte> bytes)
        {
            hash.Append(bytes);
            file.Stream.Write(bytes);
        }
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), outputs);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), features);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), pairs ? 1 : 0);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), values);
        Put(header);
        if (!pairs)
        {
            foreach (var vector in weights)
                for (int start = 0; start < features; start += ChunkValues)
                    Put(AsLittleEndian(vector.AsSpan(start, Math.Min(ChunkValues, features - start))));
        }
        else
        {
            var buffer = new List<long>(ChunkValues);
            foreach (long position in NonzeroPositions(weights))
            {
                buffer.Add(position);
                if (buffer.Count < ChunkValues) continue;
                Put(AsLittleEndian(CollectionsMarshal.AsSpan(buffer)));
                buffer.Clear();
            }
            Put(AsLittleEndian(CollectionsMarshal.AsSpan(buffer)));
            var chunk = new List<double>(ChunkValues);
            foreach (long position in NonzeroPositions(weights))
            {
                chunk.Add(weights[(int)(position / features)][(int)(position % features)]);
                if (chunk.Count < ChunkValues) continue;
                Put(AsLittleEndian(CollectionsMarshal.AsSpan(chunk)));
                chunk.Clear();
            }
            Put(AsLittleEndian(CollectionsMarshal.AsSpan(chunk)));
        }
        long bytes = HeaderBytes + (pairs ? 16 : 8) * values;
        string checksum = hash.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
        file.Commit();
        return new ModelWeightsFile(Path.GetFileName(path), pairs ? Pairs : Dense, values, bytes, checksum);
    }

    /// <summary>Reads the K weight vectors of model file <paramref name="modelPath"/>, which has
    /// <paramref name="outputs"/> of <paramref name="features"/> weights, and checks the file against this record:
    /// its name, size, header, checksum and pair positions.</summary>
    /// <exception cref="InputFileException">The record is not valid (naming the model file and the field), or the
    /// weights file is missing, damaged or not the one the model was written with (naming it).</exception>
    public double[][] Read(string modelPath, int outputs, int features)
    {
        void Fail(string field, string problem) =>
            throw new InputFileException(modelPath, $"field weightsFile.{field}: {problem}");
        if (string.IsNullOrEmpty(File) || Path.GetFileName(File) != File || File is "." or "..")
            Fail("file", $"'{File}' is not a file name in the model's directory");
        if (Encoding is not (Dense or Pairs)) Fail("encoding", $"'{Encoding}' is not '{Dense}' or '{Pairs}'");
        long total = (long)outputs * features;
        bool pairs = Encoding == Pairs;
        if (Values < 0 || Values > total || (!pairs && Values != total))
            Fail("values", $"{Values} values for {outputs} × {features} weights stored {Encoding}");
        if (Bytes != HeaderBytes + (pairs ? 16 : 8) * Values)
            Fail("bytes", $"{Bytes} bytes cannot hold {Values} values stored {Encoding}");
        var path = Path.Combine(Path.GetDirectoryName(OutputPaths.FinalTarget(modelPath))!, File);
        using var stream = OpenWeights(path, modelPath);
        string Damaged(string what) => $"{what}: it is not the weights file {modelPath} was written with (it was "
            + "replaced by a later train that did not finish, or damaged); train the model again";
        if (stream.Length != Bytes)
            throw new InputFileException(path, Damaged($"is {stream.Length} bytes, the model says {Bytes}"));
        var hash = new XxHash3();
        var header = new byte[HeaderBytes];
        Take(stream, header, hash, path);
        long Field(int offset) => BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(offset));
        if (!header.AsSpan(0, 8).SequenceEqual(Magic) || Field(8) != outputs || Field(16) != features
            || Field(24) != (pairs ? 1 : 0) || Field(32) != Values)
            throw new InputFileException(path, Damaged($"its header does not describe {outputs} × {features} "
                + $"weights stored {Encoding}"));
        var weights = new double[outputs][];
        for (int k = 0; k < outputs; k++) weights[k] = new double[features];
        if (!pairs)
        {
            foreach (var vector in weights)
                for (int start = 0; start < features; start += ChunkValues)
                    TakeValues(stream, vector.AsSpan(start, Math.Min(ChunkValues, features - start)), hash, path);
        }
        else
        {
            var positions = new long[Values];
            for (long start = 0; start < Values; start += ChunkValues)
                TakeValues(stream, positions.AsSpan((int)start, (int)Math.Min(ChunkValues, Values - start)), hash,
                    path);
            var values = new double[Math.Min(Values, ChunkValues)];
            for (long start = 0; start < Values; start += ChunkValues)
            {
                int n = (int)Math.Min(ChunkValues, Values - start);
                TakeValues(stream, values.AsSpan(0, n), hash, path);
                for (int i = 0; i < n; i++)
                {
                    long position = positions[start + i];
                    if (position < 0 || position >= total || (start + i > 0 && position <= positions[start + i - 1]))
                        throw new InputFileException(path, Damaged($"pair {start + i + 1} has position {position}, "
                            + $"not increasing within 0..{total - 1}"));
                    weights[position / features][position % features] = values[i];
                }
            }
        }
        string actual = hash.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
        if (!string.Equals(actual, Checksum, StringComparison.OrdinalIgnoreCase))
            throw new InputFileException(path, Damaged($"its checksum is {actual}, the model says {Checksum}"));
        return weights;
    }

    private static FileStream OpenWeights(string path, string modelPath)
    {
        try { return InputFile.OpenRead(path); }
        catch (InputFileException e) when (!System.IO.File.Exists(path))
        {
            throw new InputFileException(path, $"missing: the model {modelPath} keeps its weights in this file "
                + "(a model with more than " + InlineLimit.ToString(CultureInfo.InvariantCulture)
                + " weights does); copy both files together", e);
        }
    }

    private static IEnumerable<long> NonzeroPositions(IReadOnlyList<double[]> weights)
    {
        long features = weights[0].Length;
        for (int k = 0; k < weights.Count; k++)
            for (int j = 0; j < weights[k].Length; j++)
                if (BitConverter.DoubleToInt64Bits(weights[k][j]) != 0) yield return k * features + j;
    }

    private static ReadOnlySpan<byte> AsLittleEndian<T>(Span<T> values) where T : struct
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("weights files are little-endian");
        return MemoryMarshal.AsBytes(values);
    }

    private static void TakeValues<T>(Stream stream, Span<T> destination, XxHash3 hash, string path) where T : struct
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("weights files are little-endian");
        Take(stream, MemoryMarshal.AsBytes(destination), hash, path);
    }

    private static void Take(Stream stream, Span<byte> destination, XxHash3 hash, string path)
    {
        try { stream.ReadExactly(destination); }
        catch (EndOfStreamException e) { throw new InputFileException(path, "ends early (it shrank while read)", e); }
        catch (IOException e) { throw new InputFileException(path, $"cannot be read: {e.Message}", e); }
        hash.Append(destination);
    }
}
