using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MpiDescent.IO;
using MpiDescent.Numerics;

namespace MpiDescent.Data;

/// <summary>
/// Loads one rank's slice of a data file: only the slice's bytes (rounded out to whole checksum blocks) are read, each
/// checksum block is verified as it is read, and every value is checked to be finite. Features stay in the file's
/// element type (float64 or float32).
/// </summary>
public static class ShardLoader
{
    /// <summary>Reads rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of <paramref
    /// name="path"/>.</summary>
    /// <exception cref="InputFileException">Checksum mismatch, non-finite value, or an I/O error; names the
    /// rank.</exception>
    public static DataShard Load(string path, DataFileHeader header, long rowStart, long rowEnd, int rank)
    {
        using var file = DataFile.Open(path);
        if (file.Header.ContentChecksum != header.ContentChecksum || file.Header.Rows != header.Rows)
            throw new InputFileException(path, $"rank {rank}: the file changed since its header was read");
        return Load(file, rowStart, rowEnd, rank);
    }

    /// <summary>Reads rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the open
    /// <paramref name="file"/>.</summary>
    /// <exception cref="InputFileException">Checksum mismatch, non-finite value, or an I/O error; names the
    /// rank.</exception>
    /// <param name="file">The open data file.</param>
    /// <param name="rowStart">The first row of the slice.</param>
    /// <param name="rowEnd">One past its last row.</param>
    /// <param name="rank">This rank, for messages.</param>
    /// <param name="stopRequested">Polled between checksum blocks: when it returns true (a preemption signal arrived
    /// before training started), loading ends with <see cref="ExitCodes.Interrupted"/>.</param>
    public static DataShard Load(DataFile file, long rowStart, long rowEnd, int rank, Func<bool>? stopRequested = null)
    {
        var header = file.Header;
        if (header.Layout == DataLayout.Sparse)
            return header.ElementType == ElementType.Float32
                ? SparseShardLoader.Load<float>(file, rowStart, rowEnd, rank, stopRequested)
                : SparseShardLoader.Load<double>(file, rowStart, rowEnd, rank, stopRequested);
        long count = rowEnd - rowStart;
        int d = header.Features;
        if (count * d > Array.MaxLength)
            throw new InputFileException(file.Path,
                $"rank {rank}: its slice of {count} rows × {d} features exceeds one "
                + "array; run with more ranks");
        var labels = new double[count];
        var weights = header.HasWeights ? new double[count] : null;
        FeatureMatrix features;
        if (header.ElementType == ElementType.Float32)
        {
            var singles = new AlignedBuffer<float>(count * d, zeroed: false); // every element is written below
            Read(file, rowStart, rowEnd, rank, singles.Span, labels, weights, stopRequested);
            features = new DenseFeatureMatrix<float>(singles, (int)count, d);
        }
        else
        {
            var doubles = new AlignedBuffer<double>(count * d, zeroed: false);
            Read(file, rowStart, rowEnd, rank, doubles.Span, labels, weights, stopRequested);
            features = new DenseFeatureMatrix<double>(doubles, (int)count, d);
        }
        return new DataShard(file.Path, header, rowStart, features, labels, weights);
    }

    /// <summary>Reads the slice's checksum blocks one at a time, verifies each, and copies the slice's records out of
    /// them: features into <paramref name="features"/> (T is the file's element type), labels and weights as
    /// doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Read<T>(DataFile file, long rowStart, long rowEnd, int rank, Span<T> features, double[] labels,
        double[]? weights, Func<bool>? stopRequested) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (rowEnd == rowStart) return;
        var (path, header, handle) = (file.Path, file.Header, file.Handle);
        int d = header.Features, values = header.RecordValues;
        int blockRows = header.ChecksumBlockRows, record = header.RecordBytes;
        long firstBlock = rowStart / blockRows, lastBlock = (rowEnd - 1) / blockRows;
        var checksums = new byte[(lastBlock - firstBlock + 1) * 8];
        InputFile.ReadExactlyAt(handle, checksums, header.ChecksumTableOffset + firstBlock * 8, path);
        var buffer = new byte[(long)Math.Min(blockRows, header.Rows) * record];
        var parsed = BitConverter.IsLittleEndian ? null : new T[values];
        for (long block = firstBlock; block <= lastBlock; block++)
        {
            if (stopRequested?.Invoke() == true)
                throw ShardLoader.InterruptedWhileLoading(path, rank);
            long blockStart = block * blockRows;
            int rowsInBlock = (int)Math.Min(blockRows, header.Rows - blockStart);
            var bytes = buffer.AsSpan(0, rowsInBlock * record);
            InputFile.ReadExactlyAt(handle, bytes, header.DataOffset + blockStart * record, path);
            ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(checksums.AsSpan((int)(block - firstBlock) * 8));
            if (XxHash3.HashToUInt64(bytes) != expected)
                throw new InputFileException(path, $"rank {rank}: checksum mismatch in block {block} "
                    + $"(rows {blockStart}..{blockStart + rowsInBlock - 1}): the file is corrupt");
            long from = Math.Max(rowStart, blockStart), to = Math.Min(rowEnd, blockStart + rowsInBlock);
            var records = bytes.Slice((int)(from - blockStart) * record, (int)(to - from) * record);
            // The file is little-endian; on a little-endian machine (all that .NET targets today) reinterpret the
            // records.
            var valuesOfBlock = parsed is null ? MemoryMarshal.Cast<byte, T>(records) : default;
            bool allFinite = parsed is null && AllFinite(valuesOfBlock);
            for (long row = from; row < to; row++)
            {
                ReadOnlySpan<T> rec;
                if (parsed is null) rec = valuesOfBlock.Slice((int)(row - from) * values, values);
                else
                {
                    var source = records.Slice((int)(row - from) * record, record);
                    for (int j = 0; j < values; j++)
                        parsed[j] = ReadLittleEndian<T>(source[(j * header.ElementBytes)..]);
                    rec = parsed;
                }
                if (!allFinite) CheckFinite(path, header, rank, row, rec);
                long local = row - rowStart;
                rec[..d].CopyTo(features.Slice((int)(local * d), d));
                labels[local] = double.CreateTruncating(rec[d]);
                if (weights is not null)
                {
                    double weight = double.CreateTruncating(rec[d + 1]);
                    if (weight < 0)
                        throw new InputFileException(path,
                            $"rank {rank}: row {row + 1} has the negative weight {weight}");
                    weights[local] = weight;
                }
            }
        }
    }

    /// <summary>The stop of a signal that arrived while loading, before the first iteration (nothing to
    /// resume).</summary>
    internal static MpiDescentException InterruptedWhileLoading(string path, int rank) =>
        new($"rank {rank}: interrupted by a signal while loading {path}, before the first iteration: there is no " +
            "checkpoint yet; run the same command again", ExitCodes.Interrupted);

    private static T ReadLittleEndian<T>(ReadOnlySpan<byte> bytes) where T : unmanaged,
        IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(bytes))
            : T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(bytes));

    private static void CheckFinite<T>(string path, DataFileHeader header, int rank, long row, ReadOnlySpan<T> rec)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int d = header.Features;
        for (int j = 0; j < rec.Length; j++)
            if (!T.IsFinite(rec[j]))
                throw new InputFileException(path, $"rank {rank}: row {row + 1} has {rec[j]} in "
                    + (j < d ? $"feature '{header.FeatureName(j)}'" : j == d ? "the label" : "the weight"));
    }

    /// <summary>Whether every value is finite (x − x is 0 for finite x, NaN for NaN and ±∞), vectorized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
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
