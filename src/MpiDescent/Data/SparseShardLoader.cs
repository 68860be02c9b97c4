using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Loads one rank's slice of a sparse data file: the rank reads its entries of the block offset, nonzero and checksum
/// tables, then only the bytes of the checksum blocks that overlap its rows, verifying each block's checksum and
/// structure (nonzero counts that add up, indices in range and increasing within each row, finite values,
/// non-negative weights) as it reads it. Memory: the slice's entries plus at most two blocks' worth.
/// </summary>
internal static class SparseShardLoader
{
    /// <summary>Reads rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the open sparse
    /// <paramref name="file"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DataShard Load<T>(DataFile file, long rowStart, long rowEnd, int rank, Func<bool>? stopRequested)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (path, header, handle) = (file.Path, file.Header, file.Handle);
        long count = rowEnd - rowStart;
        var labels = new double[count];
        var weights = header.HasWeights ? new double[count] : null;
        var offsets = new long[count + 1];
        if (count == 0)
            return new DataShard(path, header, rowStart, new SparseFeatureMatrix<T>(offsets, [], [], header.Features),
                labels, weights);
        int blockRows = header.ChecksumBlockRows, e = header.ElementBytes;
        long firstBlock = rowStart / blockRows, lastBlock = (rowEnd - 1) / blockRows;
        int blocks = (int)(lastBlock - firstBlock + 1);
        var blockOffsets = ReadLongs(handle, header.TablesOffset + firstBlock * 8, blocks + 1, path);
        var blockNonzeros = ReadLongs(handle, header.NonzeroTableOffset + firstBlock * 8, blocks + 1, path);
        var checksums = ReadLongs(handle, header.ChecksumTableOffset + firstBlock * 8, blocks, path);
        long bound = blockNonzeros[blocks] - blockNonzeros[0];
        if (bound < 0 || bound > Array.MaxLength)
            throw new InputFileException(path, bound < 0 ? $"rank {rank}: the block index is corrupt (nonzero counts "
                + $"decrease in blocks {firstBlock}..{lastBlock})" : $"rank {rank}: its slice holds more than " +
                $"{Array.MaxLength} nonzeros, more than one array; run with more ranks");
        var indices = new int[bound];
        var values = new T[bound];
        long kept = 0;
        byte[] buffer = [];
        for (int b = 0; b < blocks; b++)
        {
            long block = firstBlock + b;
            if (stopRequested?.Invoke() == true)
                throw ShardLoader.InterruptedWhileLoading(path, rank);
            long blockStart = block * blockRows;
            int n = (int)Math.Min(blockRows, header.Rows - blockStart);
            long z = blockNonzeros[b + 1] - blockNonzeros[b], bytes = blockOffsets[b + 1] - blockOffsets[b];
            if (z < 0 || bytes != n * (long)header.SparseRowBytes + z * header.SparseEntryBytes
                || blockOffsets[b] < 0 || blockOffsets[b + 1] > header.DataBytes)
                throw new InputFileException(path, $"rank {rank}: the block index is corrupt at block {block} (rows " +
                    $"{blockStart}..{blockStart + n - 1})");
            if (bytes > Array.MaxLength)
                throw new InputFileException(path, $"rank {rank}: block {block} claims {bytes} bytes, more than a " +
                    "block may hold: the file is corrupt");
            if (buffer.Length < bytes) buffer = new byte[bytes];
            var span = buffer.AsSpan(0, (int)bytes);
            InputFile.ReadExactlyAt(handle, span, header.DataOffset + blockOffsets[b], path);
            if (XxHash3.HashToUInt64(span) != (ulong)checksums[b])
                throw new InputFileException(path, $"rank {rank}: checksum mismatch in block {block} "
                    + $"(rows {blockStart}..{blockStart + n - 1}): the file is corrupt");
            var counts = MemoryMarshal.Cast<byte, int>(span[..(4 * n)]);
            int at = 4 * n;
            var blockLabels = span.Slice(at, n * e);
            at += n * e;
            var blockWeights = header.HasWeights ? span.Slice(at, n * e) : default;
            if (header.HasWeights) at += n * e;
            var blockIndices = MemoryMarshal.Cast<byte, int>(span.Slice(at, (int)z * 4));
            var blockValues = MemoryMarshal.Cast<byte, T>(span[(at + (int)z * 4)..]);
            long entry = 0;
            for (int i = 0; i < n; i++)
            {
                long row = blockStart + i;
                int c = counts[i];
                if (c < 0 || entry + c > z)
                    throw new InputFileException(path, $"rank {rank}: row {row + 1} has a corrupt nonzero count {c}");
                bool mine = row >= rowStart && row < rowEnd;
                if (mine)
                {
                    long local = row - rowStart;
                    labels[local] = Value<T>(blockLabels, i, e, path, rank, row, "the label");
                    if (weights is not null)
                    {
                        double weight = Value<T>(blockWeights, i, e, path, rank, row, "the weight");
                        if (weight < 0)
                            throw new InputFileException(path, $"rank {rank}: row {row + 1} has the negative weight " +
                                $"{weight}");
                        weights[local] = weight;
                    }
                }
                int previous = -1;
                for (long k = entry; k < entry + c; k++)
                {
                    int j = blockIndices[(int)k];
                    if (j <= previous || j >= header.Features)
                        throw new InputFileException(path, $"rank {rank}: row {row + 1} has feature index {j} " +
                            (j >= header.Features ? $"beyond the file's {header.Features} features"
                                : $"after {previous}: indices must increase within a row"));
                    previous = j;
                    if (!mine) continue;
                    var v = blockValues[(int)k];
                    if (!T.IsFinite(v))
                        throw new InputFileException(path, $"rank {rank}: row {row + 1} has {v} in feature " +
                            $"'{header.FeatureName(j)}'");
                    indices[kept] = j;
                    values[kept++] = v;
                }
                entry += c;
                if (mine) offsets[row - rowStart + 1] = kept;
            }
            if (entry != z)
                throw new InputFileException(path, $"rank {rank}: block {block} holds {entry} entries but the index " +
                    $"says {z}: the file is corrupt");
        }
        var features = new SparseFeatureMatrix<T>(offsets, indices, values, header.Features);
        return new DataShard(path, header, rowStart, features, labels, weights);
    }

    private static double Value<T>(ReadOnlySpan<byte> values, int i, int bytes, string path, int rank, long row,
        string what) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double v = bytes == 8 ? BinaryPrimitives.ReadDoubleLittleEndian(values[(i * 8)..])
            : BinaryPrimitives.ReadSingleLittleEndian(values[(i * 4)..]);
        if (!double.IsFinite(v)) throw new InputFileException(path, $"rank {rank}: row {row + 1} has {v} in {what}");
        return v;
    }

    private static long[] ReadLongs(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, int count,
        string path)
    {
        var bytes = new byte[count * 8L];
        InputFile.ReadExactlyAt(handle, bytes, offset, path);
        var result = new long[count];
        for (int k = 0; k < count; k++) result[k] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(k * 8));
        return result;
    }
}
