using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// Streams rows into a new data file in constant memory: a placeholder header, the rows with a running
/// checksum per block, then the block checksum table and the final header. The file appears under its name
/// only when <see cref="Complete"/> succeeds; otherwise nothing is left behind.
/// </summary>
public sealed class DataFileWriter : IDisposable
{
    private readonly AtomicFile _file;
    private readonly BufferedStream _output;
    private readonly int _features;
    private readonly string[] _names;
    private readonly int _blockRows;
    private readonly XxHash3 _blockHash = new();
    private readonly List<ulong> _blockChecksums = [];
    private readonly byte[] _record;
    private long _rows;

    private readonly bool _weights;
    private readonly ElementType _elementType;
    private readonly string[] _classNames;

    /// <summary>Starts a file with <paramref name="features"/> features per row, optional names, and optionally a
    /// weight per row (<paramref name="weights"/>), storing values as <paramref name="elementType"/>; with
    /// <paramref name="classNames"/>, each label is a class's index among them.</summary>
    public DataFileWriter(string path, int features, IReadOnlyList<string>? featureNames = null,
        int checksumBlockRows = DataFileHeader.DefaultChecksumBlockRows, bool weights = false,
            ElementType elementType = ElementType.Float64, IReadOnlyList<string>? classNames = null)
    {
        _classNames = classNames?.ToArray() ?? [];
        if (_classNames.Any(n => n.Length == 0 || n.Contains('\n')) || _classNames.Length > DataFileHeader.MaxClassNames
            || _classNames.Distinct(StringComparer.Ordinal).Count() != _classNames.Length)
            throw new ArgumentException("class names must be distinct, non-empty, without line breaks, and at most " +
                $"{DataFileHeader.MaxClassNames}");
        _weights = weights;
        _elementType = elementType;
        if (features > DataFileHeader.MaxFeatures)
            throw new InputFileException(path, $"a dense data file may have at most {DataFileHeader.MaxFeatures} " +
                $"features, not {features} (readers refuse more); write it sparse");
        _features = features;
        _names = CheckedNames(path, features, featureNames);
        _blockRows = checksumBlockRows;
        _record = new byte[(features + 1 + (weights ? 1 : 0)) * elementType.Bytes()];
        _file = new AtomicFile(path);
        _output = new BufferedStream(_file.Stream, 1 << 20);
        _output.Write(Header(0, 0).ToBytes());
    }

    /// <summary>Rows written so far.</summary>
    public long Rows => _rows;

    /// <summary>Appends one row: its features, label and (files with weights) weight. A float32 file stores each value
    /// rounded to the nearest float32.</summary>
    /// <exception cref="OverflowException">A finite value is beyond float32's range (±3.4e38) in a float32
    /// file.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteRow(ReadOnlySpan<double> features, double label, double weight = 1)
    {
        if (features.Length != _features) throw new ArgumentException($"row has {features.Length} features, the " +
            $"file {_features}");
        if (_elementType == ElementType.Float64 && BitConverter.IsLittleEndian)
            features.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(_record.AsSpan()));
        else
            for (int j = 0; j < _features; j++) Put(j, features[j]);
        Put(_features, label);
        if (_weights) Put(_features + 1, weight);
        _output.Write(_record);
        _blockHash.Append(_record);
        if (++_rows % _blockRows != 0) return;
        _blockChecksums.Add(_blockHash.GetCurrentHashAsUInt64());
        _blockHash.Reset();
    }

    /// <summary>Writes the checksum table and header, flushes to disk and moves the file into place.</summary>
    public DataFileHeader Complete()
    {
        if (_rows % _blockRows != 0) _blockChecksums.Add(_blockHash.GetCurrentHashAsUInt64());
        var table = new byte[_blockChecksums.Count * 8];
        for (int i = 0; i < _blockChecksums.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(i * 8),
            _blockChecksums[i]);
        _output.Write(table);
        var header = Header(_rows, XxHash3.HashToUInt64(table));
        _output.Flush();
        _file.Stream.Position = 0;
        _file.Stream.Write(header.ToBytes());
        _file.Commit();
        return header;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Put(int index, double value)
    {
        if (_elementType == ElementType.Float64)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_record.AsSpan(index * 8), value);
            return;
        }
        if (!Fits(value, ElementType.Float32)) throw new OverflowException($"{value} is beyond float32's range " +
            $"(±3.4e38)");
        BinaryPrimitives.WriteSingleLittleEndian(_record.AsSpan(index * 4), (float)value);
    }

    /// <summary>The names a writer of either layout stores: none, or exactly one per feature without line breaks; at
    /// least one feature.</summary>
    internal static string[] CheckedNames(string path, int features, IReadOnlyList<string>? featureNames)
    {
        if (features < 1) throw new InputFileException(path, "cannot write a data file with no features");
        var names = featureNames?.ToArray() ?? [];
        if (names.Length != 0 && names.Length != features)
            throw new ArgumentException($"{names.Length} names for {features} features");
        if (names.Any(n => n.Contains('\n'))) throw new ArgumentException("feature names cannot contain line breaks");
        return names;
    }

    /// <summary>Whether <paramref name="value"/> can be stored as <paramref name="elementType"/>: a finite value must
    /// stay finite after rounding (non-finite values are the readers' concern).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Fits(double value, ElementType elementType) =>
        elementType == ElementType.Float64 || !double.IsFinite(value) || float.IsFinite((float)value);

    private DataFileHeader Header(long rows, ulong checksum) =>
        new(rows, _features, _elementType, _blockRows, _names, checksum, _weights, ClassNames: _classNames);

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
