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
    /// <c>m.model.weights.bin</c>); empty for an empty model path, which the path checks refuse.</summary>
    public static string PathFor(string modelPath) => modelPath.Length == 0 ? ""
        : Path.ChangeExtension(OutputPaths.FinalTarget(modelPath), ".weights.bin");

    /// <summary>The weights file of model file <paramref name="modelPath"/>, named as the path checks of train,
    /// predict, evaluate and export name it (<see cref="OutputPaths"/>).</summary>
    public static NamedPath NamedFor(string modelPath) => new("the model's weights file", PathFor(modelPath));

    /// <summary>Writes the K weight vectors <paramref name="weights"/> (each of d) atomically to
    /// <paramref name="path"/> and returns what the model file records about it.</summary>
    /// <exception cref="InputFileException">The file cannot be written.</exception>
    public static ModelWeightsFile Write(string path, IReadOnlyList<double[]> weights)
    {
        int outputs = weights.Count, features = weights[0].Length;
        long nonzeros = 0;
        foreach (var vector in weights)
            foreach (double w in vector)
                if (IsStored(w)) nonzeros++;
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
        void PutAll<T>(ReadOnlySpan<T> values) where T : struct
        {
            for (int start = 0; start < values.Length; start += ChunkValues)
                Put(AsBytes(values.Slice(start, Math.Min(ChunkValues, values.Length - start))));
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
            foreach (var vector in weights) PutAll<double>(vector);
        }
        else
        {
            var positions = new long[nonzeros];
            var stored = new double[nonzeros];
            int n = 0;
            for (int k = 0; k < outputs; k++)
                for (int j = 0; j < features; j++)
                {
                    if (!IsStored(weights[k][j])) continue;
                    positions[n] = (long)k * features + j;
                    stored[n++] = weights[k][j];
                }
            PutAll<long>(positions);
            PutAll<double>(stored);
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
            foreach (var vector in weights) TakeAll<double>(stream, vector, hash, path);
        }
        else
        {
            var positions = new long[Values];
            var stored = new double[Values];
            TakeAll<long>(stream, positions, hash, path);
            TakeAll<double>(stream, stored, hash, path);
            for (int i = 0; i < positions.Length; i++)
            {
                long position = positions[i];
                if (position < 0 || position >= total || (i > 0 && position <= positions[i - 1]))
                    throw new InputFileException(path, Damaged($"pair {i + 1} has position {position}, not "
                        + $"increasing within 0..{total - 1}"));
                weights[position / features][position % features] = stored[i];
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

    /// <summary>Whether the pairs encoding lists <paramref name="weight"/>: every weight but +0, so that −0 reads
    /// back bit for bit.</summary>
    private static bool IsStored(double weight) => BitConverter.DoubleToInt64Bits(weight) != 0;

    /// <summary>The bytes of <paramref name="values"/> as the file holds them (little-endian, so only on a
    /// little-endian machine).</summary>
    private static ReadOnlySpan<byte> AsBytes<T>(ReadOnlySpan<T> values) where T : struct
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("weights files are little-endian");
        return MemoryMarshal.AsBytes(values);
    }

    /// <summary>Fills <paramref name="destination"/> from the stream, hashing what it reads, in chunks (a span of
    /// more than 2³¹ bytes cannot be viewed as bytes at once).</summary>
    private static void TakeAll<T>(Stream stream, Span<T> destination, XxHash3 hash, string path) where T : struct
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("weights files are little-endian");
        for (int start = 0; start < destination.Length; start += ChunkValues)
            Take(stream, MemoryMarshal.AsBytes(destination.Slice(start, Math.Min(ChunkValues,
                destination.Length - start))), hash, path);
    }

    private static void Take(Stream stream, Span<byte> destination, XxHash3 hash, string path)
    {
        try { stream.ReadExactly(destination); }
        catch (EndOfStreamException e) { throw new InputFileException(path, "ends early (it shrank while read)", e); }
        catch (IOException e) { throw new InputFileException(path, $"cannot be read: {e.Message}", e); }
        hash.Append(destination);
    }
}
