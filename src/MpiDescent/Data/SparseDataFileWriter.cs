using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams sparse rows into a new data file (layout <see cref="DataLayout.Sparse"/>, docs/data-format.md) in memory
/// proportional to one checksum block: each block of rows is written as its nonzero counts, labels, weights, indices
/// and values, checksummed; then the block offsets, nonzero counts and checksums, and last the header. The file
/// appears under its name only when <see cref="Complete"/> succeeds; otherwise nothing is left behind.
/// </summary>
public sealed class SparseDataFileWriter : IDisposable
{
    private readonly AtomicFile _file;
    private readonly BufferedStream _output;
    private int _features, _maxIndex = -1;
    private readonly string[] _names;
    private readonly int _blockRows;
    private readonly bool _weights;
    private readonly ElementType _elementType;
    private readonly List<int> _counts = [];
    private readonly List<double> _labels = [], _rowWeights = [], _values = [];
    private readonly List<int> _indices = [];
    private readonly List<long> _offsets = [0], _nonzeroPrefix = [0];
    private readonly List<ulong> _checksums = [];
    private byte[] _block = [];
    private readonly string[] _classNames;
    private long _rows, _nonzeros, _dataBytes;

    /// <summary>Starts a file of rows with <paramref name="features"/> features (at most 2³¹ − 1), optional names, and
    /// optionally a weight per row, storing values as <paramref name="elementType"/>; with
    /// <paramref name="classNames"/> each label is a class's index among them.</summary>
    public SparseDataFileWriter(string path, int features, IReadOnlyList<string>? featureNames = null,
        int checksumBlockRows = DataFileHeader.DefaultChecksumBlockRows, bool weights = false,
        ElementType elementType = ElementType.Float64, IReadOnlyList<string>? classNames = null)
    {
        _classNames = classNames?.ToArray() ?? [];
        _features = features;
        _names = DataFileWriter.CheckedNames(path, features, featureNames);
        _blockRows = checksumBlockRows;
        _weights = weights;
        _elementType = elementType;
        _file = new AtomicFile(path);
        _output = new BufferedStream(_file.Stream, 1 << 20);
        _output.Write(Header(0, 0, 0).ToBytes());
    }

    /// <summary>Rows written so far.</summary>
    public long Rows => _rows;

    /// <summary>Nonzero entries written so far.</summary>
    public long Nonzeros => _nonzeros;

    /// <summary>Appends one row: its entries (0-based <paramref name="indices"/>, strictly increasing and below the
    /// feature count, and their values), label and (files with weights) weight.</summary>
    /// <exception cref="OverflowException">A value is beyond float32's range in a float32 file.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteRow(ReadOnlySpan<int> indices, ReadOnlySpan<double> values, double label, double weight = 1)
    {
        if (indices.Length != values.Length) throw new ArgumentException("indices and values differ in length");
        for (int k = 0, previous = -1; k < indices.Length; previous = indices[k++])
        {
            if ((uint)indices[k] >= (uint)_features || indices[k] <= previous)
                throw new ArgumentException($"index {indices[k]} is out of order or beyond {_features} features");
            if (!DataFileWriter.Fits(values[k], _elementType))
                throw new OverflowException($"{values[k]} is beyond float32's range (±3.4e38)");
        }
        _indices.AddRange(indices);
        _values.AddRange(values);
        if (!DataFileWriter.Fits(label, _elementType) || !DataFileWriter.Fits(weight, _elementType))
            throw new OverflowException($"{label} or {weight} is beyond float32's range (±3.4e38)");
        if (indices.Length > 0) _maxIndex = Math.Max(_maxIndex, indices[^1]);
        _counts.Add(indices.Length);
        _labels.Add(label);
        if (_weights) _rowWeights.Add(weight);
        _rows++;
        _nonzeros += indices.Length;
        if (_counts.Count == _blockRows) FlushBlock();
    }

    /// <summary>Writes the open block: counts, labels, weights, indices, values; records its checksum and
    /// extent.</summary>
    private void FlushBlock()
    {
        int n = _counts.Count, z = _indices.Count, e = _elementType.Bytes();
        long bytes = (long)n * (4 + e * (_weights ? 2 : 1)) + (long)z * (4 + e);
        if (bytes > Array.MaxLength)
            throw new InvalidOperationException($"a block of {n} rows with {z} nonzeros exceeds 2 GB");
        if (_block.Length < bytes) _block = new byte[Math.Max(bytes, Math.Min(2L * _block.Length, Array.MaxLength))];
        var span = _block.AsSpan(0, (int)bytes);
        int at = 0;
        foreach (int c in _counts) { BinaryPrimitives.WriteInt32LittleEndian(span[at..], c); at += 4; }
        at = PutValues(span, at, _labels);
        if (_weights) at = PutValues(span, at, _rowWeights);
        at = PutIndices(span, at, CollectionsMarshal.AsSpan(_indices));
        PutValues(span, at, _values);
        _output.Write(span);
        _checksums.Add(XxHash3.HashToUInt64(span));
        _dataBytes += bytes;
        _offsets.Add(_dataBytes);
        _nonzeroPrefix.Add(_nonzeros);
        _counts.Clear();
        _labels.Clear();
        _rowWeights.Clear();
        _indices.Clear();
        _values.Clear();
    }

    /// <summary>Puts little-endian int32 indices at <paramref name="at"/>; returns the offset after them.</summary>
    private static int PutIndices(Span<byte> span, int at, ReadOnlySpan<int> indices)
    {
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(indices).CopyTo(span[at..]);
        else
            for (int k = 0; k < indices.Length; k++)
                BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4 * k)..], indices[k]);
        return at + 4 * indices.Length;
    }

    /// <summary>Puts little-endian values of the file's element type at <paramref name="at"/>; returns the offset
    /// after them.</summary>
    private int PutValues(Span<byte> span, int at, List<double> list)
    {
        var values = CollectionsMarshal.AsSpan(list);
        if (_elementType == ElementType.Float64 && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(span[at..]);
            return at + 8 * values.Length;
        }
        if (_elementType == ElementType.Float64)
            foreach (double v in values) { BinaryPrimitives.WriteDoubleLittleEndian(span[at..], v); at += 8; }
        else
            foreach (double v in values) { BinaryPrimitives.WriteSingleLittleEndian(span[at..], (float)v); at += 4; }
        return at;
    }

    /// <summary>Writes the tables and the header, flushes to disk and moves the file into place; with
    /// <paramref name="features"/> the file has that many features instead of the count it was started with (a
    /// writer started before the count was known), which must exceed every index written.</summary>
    public DataFileHeader Complete(int? features = null)
    {
        if (features is int d)
        {
            if (d < 1 || d > _features || d <= _maxIndex || (_names.Length > 0 && d != _features))
                throw new ArgumentException($"{d} features: the file's indices reach {_maxIndex} (limit {_features})");
            _features = d;
        }
        if (_counts.Count > 0) FlushBlock();
        var tables = new byte[(_offsets.Count + _nonzeroPrefix.Count + _checksums.Count) * 8];
        int at = 0;
        foreach (long v in _offsets) { BinaryPrimitives.WriteInt64LittleEndian(tables.AsSpan(at), v); at += 8; }
        foreach (long v in _nonzeroPrefix) { BinaryPrimitives.WriteInt64LittleEndian(tables.AsSpan(at), v); at += 8; }
        foreach (ulong v in _checksums) { BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan(at), v); at += 8; }
        _output.Write(tables);
        var header = Header(_rows, _nonzeros, XxHash3.HashToUInt64(tables));
        _output.Flush();
        _file.Stream.Position = 0;
        _file.Stream.Write(header.ToBytes());
        _file.Commit();
        return header;
    }

    private DataFileHeader Header(long rows, long nonzeros, ulong checksum) =>
        new(rows, _features, _elementType, _blockRows, _names, checksum, _weights, DataLayout.Sparse, nonzeros,
            _classNames);

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
