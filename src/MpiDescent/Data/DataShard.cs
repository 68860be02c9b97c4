using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using MpiDescent.Numerics;

namespace MpiDescent.Data;

/// <summary>
/// One rank's contiguous slice of a data file in memory: features row-major in <see cref="Features"/>, labels in
/// <see cref="Labels"/>. Only the slice's bytes (rounded out to whole checksum blocks) are read, and each
/// checksum block is verified as it is read.
/// </summary>
public sealed class DataShard
{
    private readonly AlignedBuffer _features;

    private DataShard(string path, DataFileHeader header, long rowStart, int rows, AlignedBuffer features, double[] labels, double[]? weights = null)
    {
        RowWeights = weights;
        Path = path;
        Header = header;
        RowStart = rowStart;
        Rows = rows;
        _features = features;
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
    /// <summary>Row-major features, <see cref="Rows"/> × <see cref="FeatureCount"/>, starting on a cache-line boundary.</summary>
    public Span<double> Features => _features.Span;
    /// <summary>Labels, one per local row.</summary>
    public double[] Labels { get; }
    /// <summary>Example weights from the data file, one per local row, or null when the file has none.</summary>
    public double[]? RowWeights { get; }

    /// <summary>Builds a shard from arrays already in memory (tests, generated data).</summary>
    public static DataShard FromArrays(DataFileHeader header, long rowStart, double[] features, double[] labels)
    {
        var buffer = new AlignedBuffer(features.Length);
        features.CopyTo(buffer.Span);
        return new("(memory)", header, rowStart, labels.Length, buffer, labels);
    }

    /// <summary>Reads rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">Checksum mismatch, non-finite value, or an I/O error; names the rank.</exception>
    public static DataShard Load(string path, DataFileHeader header, long rowStart, long rowEnd, int rank)
    {
        long count = rowEnd - rowStart;
        int d = header.Features;
        if (count * d > Array.MaxLength)
            throw new InputFileException(path, $"rank {rank}: its slice of {count} rows × {d} features exceeds one array; run with more ranks");
        var aligned = new AlignedBuffer(count * d, zeroed: false); // every element is written below
        var features = aligned.Span;
        var labels = new double[count];
        var weights = header.HasWeights ? new double[count] : null;
        if (count == 0) return new DataShard(path, header, rowStart, 0, aligned, labels, weights);
        int values = header.RecordValues;

        using var stream = DataFileAccess.OpenRead(path);
        var handle = stream.SafeFileHandle;
        int blockRows = header.ChecksumBlockRows, record = header.RecordBytes;
        long firstBlock = rowStart / blockRows, lastBlock = (rowEnd - 1) / blockRows;
        var checksums = new byte[(lastBlock - firstBlock + 1) * 8];
        DataFileAccess.ReadExactlyAt(handle, checksums, header.ChecksumTableOffset + firstBlock * 8, path);
        var buffer = new byte[(long)Math.Min(blockRows, header.Rows) * record];
        for (long block = firstBlock; block <= lastBlock; block++)
        {
            long blockStart = block * blockRows;
            int rowsInBlock = (int)Math.Min(blockRows, header.Rows - blockStart);
            var bytes = buffer.AsSpan(0, rowsInBlock * record);
            DataFileAccess.ReadExactlyAt(handle, bytes, header.DataOffset + blockStart * record, path);
            ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(checksums.AsSpan((int)(block - firstBlock) * 8));
            if (XxHash3.HashToUInt64(bytes) != expected)
                throw new InputFileException(path, $"rank {rank}: checksum mismatch in block {block} (rows {blockStart}..{blockStart + rowsInBlock - 1}): the file is corrupt");
            long from = Math.Max(rowStart, blockStart), to = Math.Min(rowEnd, blockStart + rowsInBlock);
            var records = bytes.Slice((int)(from - blockStart) * record, (int)(to - from) * record);
            if (BitConverter.IsLittleEndian && AllFinite(MemoryMarshal.Cast<byte, double>(records)))
            {
                // The file is little-endian like this machine: reinterpret, no per-value parsing.
                var valuesOfBlock = MemoryMarshal.Cast<byte, double>(records);
                for (long row = from; row < to; row++)
                {
                    var rec = valuesOfBlock.Slice((int)(row - from) * values, values);
                    long local = row - rowStart;
                    rec[..d].CopyTo(features.Slice((int)(local * d), d));
                    labels[local] = rec[d];
                    if (weights is not null)
                    {
                        if (rec[d + 1] < 0) throw new InputFileException(path, $"rank {rank}: row {row} has the negative weight {rec[d + 1]}");
                        weights[local] = rec[d + 1];
                    }
                }
                continue;
            }
            for (long row = from; row < to; row++)
            {
                var source = bytes.Slice((int)(row - blockStart) * record, record);
                long local = row - rowStart;
                for (int j = 0; j < values; j++)
                {
                    double v = BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(j * 8));
                    if (!double.IsFinite(v))
                        throw new InputFileException(path, $"rank {rank}: row {row} has {v} in {(j < d ? $"feature '{header.FeatureName(j)}'" : j == d ? "the label" : "the weight")}");
                    if (j < d) features[(int)(local * d + j)] = v;
                    else if (j == d) labels[local] = v;
                    else if (v < 0) throw new InputFileException(path, $"rank {rank}: row {row} has the negative weight {v}");
                    else weights![local] = v;
                }
            }
        }
        return new DataShard(path, header, rowStart, (int)count, aligned, labels, weights);
    }

    /// <summary>Whether every value is finite (x − x is 0 for finite x, NaN for NaN and ±∞), vectorized.</summary>
    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        int w = System.Numerics.Vector<double>.Count, k = 0;
        var ok = System.Numerics.Vector<double>.Zero;
        for (; k <= values.Length - w; k += w)
        {
            var v = new System.Numerics.Vector<double>(values.Slice(k, w));
            ok += v - v;
        }
        double tail = 0;
        for (; k < values.Length; k++) tail += values[k] - values[k];
        return System.Numerics.Vector.EqualsAll(ok, System.Numerics.Vector<double>.Zero) && tail == 0;
    }
}
