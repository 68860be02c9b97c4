using System.Numerics;
using PureHDF;
using PureHDF.Selections;

namespace MpiDescent.Data;

/// <summary>
/// A 1-D or 2-D HDF5 dataset read with PureHDF (contiguous, compact or chunked, with HDF5's standard filters such
/// as deflate and shuffle), one hyperslab of rows at a time, as float64. Integer (1, 2, 4, 8 bytes, signed or not) and
/// floating-point (4, 8 bytes) datasets are read; other classes (strings, compounds, enumerations, references) and
/// big-endian data (which PureHDF 2.2 does not convert) are refused with what to do instead. Every failure is an
/// <see cref="InputFileException"/> naming the file and the dataset: PureHDF's own exceptions, whatever their type,
/// are wrapped, since a damaged file may raise any of them.
/// </summary>
public sealed class Hdf5Array : IRowArray
{
    private readonly NativeFileHandle _file;
    private readonly IH5Dataset _dataset;
    private readonly ulong[] _shape;
    private readonly H5DataTypeClass _class;
    private readonly int _size;
    private readonly bool _signed;
    private Array _buffer = System.Array.Empty<byte>();

    private Hdf5Array(string path, string name, NativeFileHandle file, IH5Dataset dataset)
    {
        (FilePath, Subject, _file, _dataset) = (path, $"dataset '{name}'", file, dataset);
        _shape = dataset.Space.Dimensions;
        _class = dataset.Type.Class;
        _size = dataset.Type.Size;
        _signed = _class == H5DataTypeClass.FixedPoint && dataset.Type.FixedPoint.IsSigned;
    }

    /// <inheritdoc />
    public string FilePath { get; }

    /// <inheritdoc />
    public string Subject { get; }

    /// <inheritdoc />
    public int Dimensions => _shape.Length;

    /// <inheritdoc />
    public string ShapeText => _shape.Length == 1 ? $"({_shape[0]},)" : $"({string.Join(", ", _shape)})";

    /// <inheritdoc />
    public long Rows => _shape.Length == 0 ? 1 : (long)Math.Min(_shape[0], long.MaxValue);

    /// <inheritdoc />
    public long Columns => _shape.Length == 2 ? (long)Math.Min(_shape[1], long.MaxValue) : 1;

    /// <inheritdoc />
    public string Description => (_class == H5DataTypeClass.FloatingPoint ? "float" : _signed ? "int" : "uint")
        + (_size * 8);

    /// <summary>Whether <paramref name="start"/> begins with HDF5's signature <c>\x89HDF\r\n\x1a\n</c>.</summary>
    public static bool StartsWithSignature(ReadOnlySpan<byte> start) =>
        start.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a]);

    /// <summary>Opens dataset <paramref name="name"/> (a path such as <c>/features</c> or <c>run1/x</c>) of the
    /// HDF5 file <paramref name="path"/>.</summary>
    /// <exception cref="InputFileException">The file is unreadable or not HDF5, has no such dataset, or the
    /// dataset's type is not one this reader takes.</exception>
    public static Hdf5Array Open(string path, string name)
    {
        using (IO.InputFile.OpenRead(path)) { } // the missing, unreadable and not-a-file errors of every input
        var file = Guard(path, "the file", () => new NativeFileHandle(H5File.OpenRead(path)));
        try
        {
            var dataset = Guard(path, $"dataset '{name}'", () =>
            {
                if (!file.File.LinkExists(name)) return null;
                return file.File.Get(name) as IH5Dataset;
            }) ?? throw new InputFileException(path, $"has no dataset '{name}' (the file's top level holds "
                + string.Join(", ", Guard(path, "the file", () => file.File.Children().Select(c => $"'{c.Name}'")
                    .Order(StringComparer.Ordinal).ToArray())) + ")");
            var array = Guard(path, $"dataset '{name}'", () => new Hdf5Array(path, name, file, dataset));
            array.CheckType();
            return array;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void CheckType()
    {
        bool known = _class switch
        {
            H5DataTypeClass.FloatingPoint => _size is 4 or 8,
            H5DataTypeClass.FixedPoint => _size is 1 or 2 or 4 or 8,
            _ => false,
        };
        if (!known)
            throw new InputFileException(FilePath, $"{Subject} holds {_class} values of {_size} bytes; this reader "
                + "takes integers of 1 to 8 bytes and floats of 4 or 8 (store class labels as integers 0..K-1)");
    }

    /// <inheritdoc />
    public void ReadRows(long first, int count, Span<double> values)
    {
        int n = checked((int)(count * Columns));
        switch (_class, _size, _signed)
        {
            case (H5DataTypeClass.FloatingPoint, 8, _): Read<double>(first, count, n, values); break;
            case (H5DataTypeClass.FloatingPoint, _, _): Read<float>(first, count, n, values); break;
            case (_, 1, true): Read<sbyte>(first, count, n, values); break;
            case (_, 1, false): Read<byte>(first, count, n, values); break;
            case (_, 2, true): Read<short>(first, count, n, values); break;
            case (_, 2, false): Read<ushort>(first, count, n, values); break;
            case (_, 4, true): Read<int>(first, count, n, values); break;
            case (_, 4, false): Read<uint>(first, count, n, values); break;
            case (_, 8, true):
                Read<long>(first, count, n, values);
                CheckExact(first, (long[])_buffer, n);
                break;
            default:
                Read<ulong>(first, count, n, values);
                CheckExact(first, (ulong[])_buffer, n);
                break;
        }
    }

    private void Read<T>(long first, int count, int n, Span<double> values) where T : unmanaged, INumberBase<T>
    {
        // PureHDF reads into the whole buffer, so it is exactly one block (the last, shorter one gets its own)
        if (_buffer is not T[] buffer || buffer.Length != n) _buffer = buffer = new T[n];
        Selection selection = _shape.Length == 1 ? new HyperslabSelection((ulong)first, (ulong)count)
            : new HyperslabSelection(2, [(ulong)first, 0], [(ulong)count, (ulong)Columns]);
        Guard(FilePath, Subject, () =>
        {
            _dataset.Read(buffer, selection, memoryDims: [(ulong)n]);
            return 0;
        });
        for (int k = 0; k < n; k++) values[k] = double.CreateTruncating(buffer[k]);
    }

    private void CheckExact<T>(long first, T[] raw, int n) where T : IBinaryInteger<T>
    {
        for (int k = 0; k < n; k++)
        {
            bool exact = raw[k] is long l ? ConvertedValues.IsExact(l)
                : raw[k] is ulong u && ConvertedValues.IsExact(u);
            if (!exact)
                throw new InputFileException(FilePath, $"{Subject}, {Place(first + k / Columns, k % Columns)}: "
                    + $"{Description} value {raw[k]} that float64 cannot hold exactly");
        }
    }

    /// <inheritdoc />
    public string Place(long row, long column) => NpyArray.Placing(Dimensions, row, column);

    private static T Guard<T>(string path, string subject, Func<T> read)
    {
        try { return read(); }
        catch (InputFileException) { throw; }
        catch (OutOfMemoryException) { throw; }
        catch (Exception e) when (e.Message.Contains("Byte order", StringComparison.OrdinalIgnoreCase))
        {
            throw new InputFileException(path, $"{subject} is big-endian, which PureHDF (the HDF5 reader) does not "
                + "convert: store it little-endian (h5py: data=a.astype(a.dtype.newbyteorder('<')))", e);
        }
        catch (Exception e)
        {
            throw new InputFileException(path, $"{subject} cannot be read as HDF5: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    /// <summary>The open file, shared by nothing else.</summary>
    private sealed class NativeFileHandle(PureHDF.VOL.Native.NativeFile file) : IDisposable
    {
        public PureHDF.VOL.Native.NativeFile File { get; } = file;

        public void Dispose() => File.Dispose();
    }
}
