using MpiDescent.IO;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using MpiDescent.Numerics;

namespace MpiDescent.Data;

/// <summary>
/// One rank's contiguous slice of a data file in memory: features row-major in <see cref="FeatureRows"/> (float64 or
/// float32, as stored in the file), labels in
/// <see cref="Labels"/>. Only the slice's bytes (rounded out to whole checksum blocks) are read, and each
/// checksum block is verified as it is read.
/// </summary>
public sealed class DataShard
{
    private readonly AlignedBuffer<double>? _doubles;
    private readonly AlignedBuffer<float>? _singles;

    private DataShard(string path, DataFileHeader header, long rowStart, int rows, AlignedBuffer<double>? doubles, AlignedBuffer<float>? singles,
        double[] labels, double[]? weights = null)
    {
        RowWeights = weights;
        Path = path;
        Header = header;
        RowStart = rowStart;
        Rows = rows;
        _doubles = doubles;
        _singles = singles;
        Labels = labels;
    }

    /// <summary>The data file.</summary>
    public string Path { get; }
    /// <summary>The file's header.</summary>
    public DataFileHeader Header { get; }
    /// <summary>Global index of the first local row.</summary>
    public long RowStart { get; }
    /// <summary>Number of local rows.</summary>
    public int Rows { get; }
    /// <summary>Features per row.</summary>
    public int FeatureCount => Header.Features;
    /// <summary>How the features are held in memory: as in the file (float64 or float32).</summary>
    public ElementType ElementType => _singles is null ? ElementType.Float64 : ElementType.Float32;
    /// <summary>The features, <see cref="Rows"/> × <see cref="FeatureCount"/> row-major, starting on a cache-line boundary,
    /// as float64 or float32.</summary>
    public FeatureRows FeatureRows => _singles is null ? new(_doubles!.Span, FeatureCount) : new(_singles.Span, FeatureCount);
    /// <summary>Row-major float64 features (float64 shards only; see <see cref="FeatureRows"/> for both kinds).</summary>
    /// <exception cref="InvalidOperationException">The shard holds float32 features.</exception>
    public Span<double> Features => _doubles is not null ? _doubles.Span : throw new InvalidOperationException("the shard holds float32 features; use FeatureRows");
    /// <summary>Labels, one per local row.</summary>
    public double[] Labels { get; }
    /// <summary>Example weights from the data file, one per local row, or null when the file has none.</summary>
    public double[]? RowWeights { get; }

    /// <summary>Rewrites each row in place through <paramref name="map"/>, which receives the row as doubles: a float64
    /// row itself, or a float32 row widened into a buffer and rounded back to float32 afterwards.</summary>
    public void MapRows(SpanAction map)
    {
        int d = FeatureCount;
        if (_singles is null)
        {
            var values = _doubles!.Span;
            for (int i = 0; i < Rows; i++) map(values.Slice(i * d, d));
            return;
        }
        var singles = _singles.Span;
        var row = new double[d];
        for (int i = 0; i < Rows; i++)
        {
            var stored = singles.Slice(i * d, d);
            FeatureRows.Widen(stored, row);
            map(row);
            for (int j = 0; j < d; j++) stored[j] = (float)row[j];
        }
    }

    /// <summary>A callback over one row of doubles.</summary>
    public delegate void SpanAction(Span<double> row);

    /// <summary>Builds a shard from arrays already in memory (tests, generated data).</summary>
    public static DataShard FromArrays(DataFileHeader header, long rowStart, double[] features, double[] labels)
    {
        var buffer = new AlignedBuffer<double>(features.Length);
        features.CopyTo(buffer.Span);
        return new("(memory)", header, rowStart, labels.Length, buffer, null, labels);
    }

    /// <summary>Builds a float32 shard from arrays already in memory (tests, benchmarks).</summary>
    public static DataShard FromArrays(DataFileHeader header, long rowStart, float[] features, double[] labels)
    {
        var buffer = new AlignedBuffer<float>(features.Length);
        features.CopyTo(buffer.Span);
        return new("(memory)", header with { ElementType = ElementType.Float32 }, rowStart, labels.Length, null, buffer, labels);
    }

    /// <summary>Reads rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">Checksum mismatch, non-finite value, or an I/O error; names the rank.</exception>
    public static DataShard Load(string path, DataFileHeader header, long rowStart, long rowEnd, int rank)
    {
        long count = rowEnd - rowStart;
        int d = header.Features;
        if (count * d > Array.MaxLength)
            throw new InputFileException(path, $"rank {rank}: its slice of {count} rows × {d} features exceeds one array; run with more ranks");
        var labels = new double[count];
        var weights = header.HasWeights ? new double[count] : null;
        if (header.ElementType == ElementType.Float32)
        {
            var singles = new AlignedBuffer<float>(count * d, zeroed: false); // every element is written below
            Read(path, header, rowStart, rowEnd, rank, singles.Span, labels, weights);
            return new DataShard(path, header, rowStart, (int)count, null, singles, labels, weights);
        }
        var doubles = new AlignedBuffer<double>(count * d, zeroed: false);
        Read(path, header, rowStart, rowEnd, rank, doubles.Span, labels, weights);
        return new DataShard(path, header, rowStart, (int)count, doubles, null, labels, weights);
    }

    /// <summary>Reads the slice's checksum blocks one at a time, verifies each, and copies the slice's records out of them:
    /// features into <paramref name="features"/> (T is the file's element type), labels and weights as doubles.</summary>
    private static void Read<T>(string path, DataFileHeader header, long rowStart, long rowEnd, int rank, Span<T> features, double[] labels, double[]? weights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (rowEnd == rowStart) return;
        int d = header.Features, values = header.RecordValues;
        using var stream = InputFile.OpenRead(path);
        var handle = stream.SafeFileHandle;
        int blockRows = header.ChecksumBlockRows, record = header.RecordBytes;
        long firstBlock = rowStart / blockRows, lastBlock = (rowEnd - 1) / blockRows;
        var checksums = new byte[(lastBlock - firstBlock + 1) * 8];
        InputFile.ReadExactlyAt(handle, checksums, header.ChecksumTableOffset + firstBlock * 8, path);
        var buffer = new byte[(long)Math.Min(blockRows, header.Rows) * record];
        var parsed = BitConverter.IsLittleEndian ? null : new T[values];
        for (long block = firstBlock; block <= lastBlock; block++)
        {
            long blockStart = block * blockRows;
            int rowsInBlock = (int)Math.Min(blockRows, header.Rows - blockStart);
            var bytes = buffer.AsSpan(0, rowsInBlock * record);
            InputFile.ReadExactlyAt(handle, bytes, header.DataOffset + blockStart * record, path);
            ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(checksums.AsSpan((int)(block - firstBlock) * 8));
            if (XxHash3.HashToUInt64(bytes) != expected)
                throw new InputFileException(path, $"rank {rank}: checksum mismatch in block {block} (rows {blockStart}..{blockStart + rowsInBlock - 1}): the file is corrupt");
            long from = Math.Max(rowStart, blockStart), to = Math.Min(rowEnd, blockStart + rowsInBlock);
            var records = bytes.Slice((int)(from - blockStart) * record, (int)(to - from) * record);
            // The file is little-endian; on a little-endian machine (all that .NET targets today) reinterpret the records.
            var valuesOfBlock = parsed is null ? MemoryMarshal.Cast<byte, T>(records) : default;
            bool allFinite = parsed is null && AllFinite(valuesOfBlock);
            for (long row = from; row < to; row++)
            {
                ReadOnlySpan<T> rec;
                if (parsed is null) rec = valuesOfBlock.Slice((int)(row - from) * values, values);
                else
                {
                    var source = records.Slice((int)(row - from) * record, record);
                    for (int j = 0; j < values; j++) parsed[j] = ReadLittleEndian<T>(source[(j * header.ElementBytes)..]);
                    rec = parsed;
                }
                if (!allFinite) CheckFinite(path, header, rank, row, rec);
                long local = row - rowStart;
                rec[..d].CopyTo(features.Slice((int)(local * d), d));
                labels[local] = double.CreateTruncating(rec[d]);
                if (weights is not null)
                {
                    double weight = double.CreateTruncating(rec[d + 1]);
                    if (weight < 0) throw new InputFileException(path, $"rank {rank}: row {row} has the negative weight {weight}");
                    weights[local] = weight;
                }
            }
        }
    }

    private static T ReadLittleEndian<T>(ReadOnlySpan<byte> bytes) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(bytes)) : T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(bytes));

    private static void CheckFinite<T>(string path, DataFileHeader header, int rank, long row, ReadOnlySpan<T> rec) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int d = header.Features;
        for (int j = 0; j < rec.Length; j++)
            if (!T.IsFinite(rec[j]))
                throw new InputFileException(path, $"rank {rank}: row {row} has {rec[j]} in {(j < d ? $"feature '{header.FeatureName(j)}'" : j == d ? "the label" : "the weight")}");
    }

    /// <summary>Whether every value is finite (x − x is 0 for finite x, NaN for NaN and ±∞), vectorized.</summary>
    private static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, k = 0;
        var ok = Vector<T>.Zero;
        for (; k <= values.Length - w; k += w)
        {
            var v = new Vector<T>(values.Slice(k, w));
            ok += v - v;
        }
        T tail = T.Zero;
        for (; k < values.Length; k++) tail += values[k] - values[k];
        return Vector.EqualsAll(ok, Vector<T>.Zero) && tail == T.Zero;
    }
}
