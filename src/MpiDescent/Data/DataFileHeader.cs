using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// The fixed 128-byte header of a data file (docs/data-format.md), followed by optional feature names and class names
/// (labels that were text: each row's label is then its class's index in <see cref="ClassNames"/>).
/// Everything a rank needs to find its slice is here (for sparse files, with the block index at the end of the file),
/// so no rank reads more than the header, its entries of the index and its own rows.
/// </summary>
public sealed record DataFileHeader(long Rows, int Features, ElementType ElementType, int ChecksumBlockRows,
    IReadOnlyList<string> FeatureNames, ulong ContentChecksum, bool HasWeights = false,
    DataLayout Layout = DataLayout.Dense, long Nonzeros = 0, IReadOnlyList<string>? ClassNames = null)
{
    /// <summary>The most class names a file may have.</summary>
    public const int MaxClassNames = 10_000;

    /// <summary>The classes' names when the labels were text (label k is ClassNames[k]); empty for numeric
    /// labels.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = ClassNames ?? [];

    /// <summary>Flag bit 0: each row record ends with a non-negative example weight after the label.</summary>
    public const ushort WeightsFlag = 1;
    /// <summary>The 8-byte magic at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "MPIDSCNT"u8;
    /// <summary>The format version this program writes and reads.</summary>
    public const int CurrentVersion = 1;
    /// <summary>Size of the fixed part of the header.</summary>
    public const int FixedBytes = 128;
    /// <summary>The most features a dense file may have (keeps record sizes within 32-bit arithmetic).</summary>
    public const int MaxFeatures = 1 << 27;
    /// <summary>The most features a sparse file may have (indices are int32).</summary>
    public const int MaxSparseFeatures = int.MaxValue;
    /// <summary>Rows per checksummed block in files this program writes.</summary>
    public const int DefaultChecksumBlockRows = 4096;

    /// <summary>Byte offset of the first row.</summary>
    public long DataOffset => FixedBytes + NamesBytes.Length + ClassNamesBytes.Length;
    /// <summary>Bytes per stored value.</summary>
    public int ElementBytes => ElementType.Bytes();
    /// <summary>Values per row record: the features, the label, and the weight when the file has weights.</summary>
    public int RecordValues => Features + 1 + (HasWeights ? 1 : 0);
    /// <summary>Bytes per row record.</summary>
    public int RecordBytes => RecordValues * ElementBytes;
    /// <summary>Number of checksummed blocks.</summary>
    public long ChecksumBlocks => (Rows + ChecksumBlockRows - 1) / ChecksumBlockRows;
    /// <summary>Sparse files: the bytes per row besides its entries (its nonzero count, label and weight).</summary>
    public int SparseRowBytes => 4 + ElementBytes * (HasWeights ? 2 : 1);
    /// <summary>Sparse files: the bytes per nonzero entry (an int32 index and a value).</summary>
    public int SparseEntryBytes => 4 + ElementBytes;
    /// <summary>Bytes of the row data.</summary>
    public long DataBytes => Layout == DataLayout.Sparse ? Rows * SparseRowBytes + Nonzeros * SparseEntryBytes
        : Rows * RecordBytes;
    /// <summary>Byte offset of the tables that end the file: for sparse files the block byte offsets and nonzero
    /// counts (each <see cref="ChecksumBlocks"/> + 1 int64), then for every layout the block checksums. The content
    /// checksum covers them all.</summary>
    public long TablesOffset => DataOffset + DataBytes;
    /// <summary>Sparse files: byte offset of the table of block nonzero counts (prefix sums).</summary>
    public long NonzeroTableOffset => TablesOffset + (ChecksumBlocks + 1) * 8;
    /// <summary>Byte offset of the block checksum table that ends the file.</summary>
    public long ChecksumTableOffset => Layout == DataLayout.Sparse ? TablesOffset + 2 * (ChecksumBlocks + 1) * 8
        : TablesOffset;
    /// <summary>The exact size a well-formed file has.</summary>
    public long FileBytes => ChecksumTableOffset + ChecksumBlocks * 8;
    /// <summary>Nonzeros over rows × features (1 for dense files).</summary>
    public double Density => Layout == DataLayout.Dense ? 1
        : Rows == 0 ? 0 : Nonzeros / ((double)Rows * Features);
    /// <summary>Content checksum as 16 hexadecimal digits, the form models and reports record.</summary>
    public string ChecksumHex => ContentChecksum.ToString("x16");

    private byte[] NamesBytes => FeatureNames.Count == 0 ? [] : Encoding.UTF8.GetBytes(string.Join('\n', FeatureNames));

    private byte[] ClassNamesBytes => ClassNames.Count == 0 ? []
        : Encoding.UTF8.GetBytes(string.Join('\n', ClassNames));

    /// <summary>Name of feature <paramref name="j"/>, or x{j} when the file has none.</summary>
    public string FeatureName(int j) => FeatureNames.Count > 0 ? FeatureNames[j] : $"x{j}";

    /// <summary>Serializes the header and names, with the header checksum filled in.</summary>
    public byte[] ToBytes()
    {
        var names = NamesBytes;
        var classes = ClassNamesBytes;
        var bytes = new byte[FixedBytes + names.Length + classes.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], CurrentVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], Rows);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], Features);
        span[28] = (byte)ElementType;
        span[29] = (byte)Layout;
        BinaryPrimitives.WriteUInt16LittleEndian(span[30..], HasWeights ? WeightsFlag : (ushort)0);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], ChecksumBlockRows);
        BinaryPrimitives.WriteInt32LittleEndian(span[36..], names.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(span[40..], ContentChecksum);
        if (Layout == DataLayout.Sparse) BinaryPrimitives.WriteInt64LittleEndian(span[56..], Nonzeros);
        BinaryPrimitives.WriteInt32LittleEndian(span[64..], classes.Length);
        names.CopyTo(span[FixedBytes..]);
        classes.CopyTo(span[(FixedBytes + names.Length)..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[48..], XxHash3.HashToUInt64(bytes));
        return bytes;
    }

    /// <summary>Reads and validates the header of <paramref name="path"/>, including that the file has exactly the
    /// size the header implies.</summary>
    /// <exception cref="InputFileException">Missing, unreadable or malformed file; the message says what is
    /// wrong.</exception>
    public static DataFileHeader Read(string path)
    {
        using var stream = InputFile.OpenRead(path);
        return Read(stream, path, out _);
    }

    /// <summary>Reads and validates the header from an open <paramref name="stream"/> of <paramref name="path"/>;
    /// <paramref name="bytes"/> receives the header and names as stored (what ranks compare to agree on the
    /// file).</summary>
    /// <exception cref="InputFileException">Malformed file; the message says what is wrong.</exception>
    public static DataFileHeader Read(FileStream stream, string path, out byte[] bytes)
    {
        stream.Position = 0;
        long length = stream.Length;
        if (length == 0) throw new InputFileException(path, "the file is empty");
        if (length < FixedBytes) throw new InputFileException(path,
            $"only {length} bytes, shorter than the {FixedBytes}-byte header: not a MpiDescent data file or truncated");
        var fixedPart = new byte[FixedBytes];
        stream.ReadExactly(fixedPart);
        var span = fixedPart.AsSpan();
        if (!span[..8].SequenceEqual(Magic))
            throw new InputFileException(path,
                "not a MpiDescent data file (wrong magic); convert CSV or LIBSVM input with 'MpiDescent convert'");
        int version = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (version != CurrentVersion)
            throw new InputFileException(path,
                $"format version {version} is not supported (this program reads version {CurrentVersion})");
        long rows = BinaryPrimitives.ReadInt64LittleEndian(span[16..]);
        int features = BinaryPrimitives.ReadInt32LittleEndian(span[24..]);
        byte elementType = span[28], layout = span[29];
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[30..]);
        int blockRows = BinaryPrimitives.ReadInt32LittleEndian(span[32..]);
        int namesLength = BinaryPrimitives.ReadInt32LittleEndian(span[36..]);
        ulong content = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        ulong headerChecksum = BinaryPrimitives.ReadUInt64LittleEndian(span[48..]);
        long nonzeros = layout == (byte)DataLayout.Sparse ? BinaryPrimitives.ReadInt64LittleEndian(span[56..]) : 0;
        int classesLength = BinaryPrimitives.ReadInt32LittleEndian(span[64..]);
        if (namesLength < 0 || namesLength > length - FixedBytes)
            throw new InputFileException(path,
                $"header is corrupt: feature-name section of {namesLength} bytes does not fit in the file");
        if (classesLength < 0 || classesLength > length - FixedBytes - namesLength)
            throw new InputFileException(path,
                $"header is corrupt: class-name section of {classesLength} bytes does not fit in the file");
        var all = new byte[FixedBytes + namesLength + classesLength];
        fixedPart.CopyTo(all, 0);
        stream.ReadExactly(all, FixedBytes, namesLength + classesLength);
        bytes = all.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(all.AsSpan(48), 0);
        if (XxHash3.HashToUInt64(all) != headerChecksum)
            throw new InputFileException(path, "header checksum mismatch: the header is corrupt");
        int reserved = span[12..16].IndexOfAnyExcept((byte)0) is int low and >= 0 ? 12 + low
            : layout != (byte)DataLayout.Sparse && span[56..64].IndexOfAnyExcept((byte)0) is int middle and >= 0
                ? 56 + middle
                : span[68..].IndexOfAnyExcept((byte)0) is int high and >= 0 ? 68 + high : -1;
        if (reserved >= 0)
            throw new InputFileException(path, $"reserved header byte {reserved} is not zero: the file was written " +
                "by a newer version of MpiDescent or is corrupt");
        if (elementType is not ((byte)ElementType.Float64 or (byte)ElementType.Float32))
            throw new InputFileException(path,
                $"element type {elementType} is not supported (1 = float64, 2 = float32)");
        int elementBytes = ((ElementType)elementType).Bytes();
        if (layout > (byte)DataLayout.Sparse)
            throw new InputFileException(path, $"layout {layout} is not supported (0 = dense rows, 1 = sparse rows)");
        bool sparse = layout == (byte)DataLayout.Sparse;
        if ((flags & ~WeightsFlag) != 0) throw new InputFileException(path,
            $"unknown flags 0x{flags:x4} (this program knows 0x0001, example weights)");
        bool hasWeights = (flags & WeightsFlag) != 0;
        if (rows < 0) throw new InputFileException(path, $"header is corrupt: negative row count {rows}");
        if (features < 1) throw new InputFileException(path, $"the file has {features} features; at least 1 is needed");
        if (blockRows < 1) throw new InputFileException(path, $"header is corrupt: checksum block of {blockRows} rows");
        // Bound the counts by the file's length before any multiplication, so a corrupt header cannot overflow the
        // sizes.
        long available = length - FixedBytes - namesLength - classesLength;
        if (!sparse && features > MaxFeatures)
            throw new InputFileException(path, $"a dense file may have at most {MaxFeatures} features; it has " +
                $"{features} (store such data sparse: convert --layout sparse)");
        long rowBytes = sparse ? 4 + elementBytes * (hasWeights ? 2 : 1)
            : (features + 1L + (hasWeights ? 1 : 0)) * elementBytes;
        if (rows > available / Math.Max(rowBytes, 1) || nonzeros < 0 || nonzeros > available / (4 + elementBytes))
            throw new InputFileException(path,
                $"the header describes {rows} rows × {features} features" + (sparse ? $" with {nonzeros} nonzeros" : "")
                + $", more than the file's {length} bytes can hold: truncated or corrupt");
        string[] names = namesLength == 0 ? [] : Encoding.UTF8.GetString(all, FixedBytes, namesLength).Split('\n');
        if (names.Length != 0 && names.Length != features)
            throw new InputFileException(path, $"header has {names.Length} feature names for {features} features");
        string[] classes = classesLength == 0 ? []
            : Encoding.UTF8.GetString(all, FixedBytes + namesLength, classesLength).Split('\n');
        if (classes.Length > MaxClassNames || classes.Any(c => c.Length == 0)
            || classes.Distinct(StringComparer.Ordinal).Count() != classes.Length)
            throw new InputFileException(path, $"header is corrupt: the class-name section holds {classes.Length} " +
                $"names, empty or repeated ones among them, or more than {MaxClassNames}");
        var header = new DataFileHeader(rows, features, (ElementType)elementType, blockRows, names, content,
            hasWeights, (DataLayout)layout, nonzeros, classes);
        if (header.FileBytes != length)
            throw new InputFileException(path,
                $"the header describes {rows} rows × {features} features ({header.FileBytes} bytes) but the file " +
                $"has {length} bytes: "
                + (length < header.FileBytes ? "truncated (an interrupted copy or conversion?)"
                    : "extra bytes at the end"));
        return header;
    }
}
