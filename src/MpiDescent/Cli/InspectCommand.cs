using System.Buffers.Binary;
using System.IO.Hashing;
using MpiDescent.Data;
using MpiDescent.IO;

namespace MpiDescent.Cli;

/// <summary><c>inspect</c>: prints the header and verifies every block checksum and the content checksum.</summary>
public static class InspectCommand
{
    /// <summary>Parses and runs; throws <see cref="InputFileException"/> on corruption.</summary>
    public static void Run(IEnumerable<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(CommandDefinitions.Inspect, args);
        line.RequirePositionals();
        var path = line.Positionals[0];
        var header = DataFileHeader.Read(path);
        output.WriteLine($"file:        {PrintableText.Escape(path)}");
        bool sparse = header.Layout == DataLayout.Sparse;
        output.WriteLine($"format:      MpiDescent data, version {DataFileHeader.CurrentVersion}, " +
            $"{header.ElementType.Name()}, {(sparse ? "sparse" : "dense")} rows");
        output.WriteLine($"rows:        {header.Rows}");
        output.WriteLine($"features:    {header.Features}");
        output.WriteLine($"weights:     {(header.HasWeights ? "yes, one per row after the label" : "no")}");
        string names = header.FeatureNames.Count == 0 ? "(none)"
            : string.Join(", ", header.FeatureNames.Take(20).Select(n => PrintableText.Escape(n)))
                + (header.Features > 20 ? ", ..." : "");
        output.WriteLine($"names:       {names}");
        if (header.ClassNames.Count > 0)
            output.WriteLine($"classes:     {header.ClassNames.Count} named (label k is the k-th): " + string.Join(", ",
                header.ClassNames.Take(20).Select((c, k) => $"{k} = {PrintableText.Escape(c)}"))
                + (header.ClassNames.Count > 20 ? ", ..." : ""));
        output.WriteLine($"checksum:    {header.ChecksumHex} (XXH3-64 over {header.ChecksumBlocks} blocks of " +
            $"{header.ChecksumBlockRows} rows)");
        using var stream = InputFile.OpenRead(path);
        var tables = new byte[header.FileBytes - header.TablesOffset];
        InputFile.ReadExactlyAt(stream.SafeFileHandle, tables, header.TablesOffset, path);
        if (XxHash3.HashToUInt64(tables) != header.ContentChecksum) throw new InputFileException(path,
            sparse ? "the block index or checksum table is corrupt" : "the block checksum table is corrupt");
        if (sparse)
        {
            VerifySparse(path, header, stream, tables, output);
            return;
        }
        var table = tables;
        var buffer = new byte[Math.Min(header.ChecksumBlockRows, Math.Max(header.Rows, 1)) * header.RecordBytes];
        for (long block = 0; block < header.ChecksumBlocks; block++)
        {
            long first = block * header.ChecksumBlockRows;
            var bytes = buffer.AsSpan(0, (int)Math.Min(header.ChecksumBlockRows,
                header.Rows - first) * header.RecordBytes);
            InputFile.ReadExactlyAt(stream.SafeFileHandle, bytes, header.DataOffset + first * header.RecordBytes, path);
            if (XxHash3.HashToUInt64(bytes) != BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan((int)block * 8)))
                throw new InputFileException(path,
                    $"checksum mismatch in block {block} (rows " +
                    $"{first}..{first + bytes.Length / header.RecordBytes - 1}): the file is corrupt");
        }
        output.WriteLine("verified:    all block checksums match");
    }

    /// <summary>Sparse files: nonzeros, density and nonzeros per row, then every block's checksum.</summary>
    private static void VerifySparse(string path, DataFileHeader header, FileStream stream, byte[] tables,
        TextWriter output)
    {
        long blocks = header.ChecksumBlocks;
        long Table(long k) => BinaryPrimitives.ReadInt64LittleEndian(tables.AsSpan((int)(k * 8)));
        var perRow = new int[Math.Min(header.Rows, 1 << 20)]; // a sample of rows for the median, every row for min/max
        int sampled = 0, min = int.MaxValue, max = 0;
        long stride = Math.Max(1, header.Rows / perRow.Length);
        byte[] buffer = [];
        for (long block = 0; block < blocks; block++)
        {
            long start = Table(block), end = Table(block + 1);
            if (start < 0 || end < start || end > header.DataBytes)
                throw new InputFileException(path, $"the block index is corrupt at block {block}");
            if (buffer.Length < end - start) buffer = new byte[end - start];
            var bytes = buffer.AsSpan(0, (int)(end - start));
            InputFile.ReadExactlyAt(stream.SafeFileHandle, bytes, header.DataOffset + start, path);
            long first = block * header.ChecksumBlockRows;
            int rows = (int)Math.Min(header.ChecksumBlockRows, header.Rows - first);
            var entry = tables.AsSpan((int)((2 * (blocks + 1) + block) * 8));
            ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            if (XxHash3.HashToUInt64(bytes) != expected)
                throw new InputFileException(path, $"checksum mismatch in block {block} (rows {first}.." +
                    $"{first + rows - 1}): the file is corrupt");
            for (int i = 0; i < rows; i++)
            {
                int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                (min, max) = (Math.Min(min, count), Math.Max(max, count));
                if ((first + i) % stride == 0 && sampled < perRow.Length) perRow[sampled++] = count;
            }
        }
        Array.Sort(perRow, 0, sampled);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        output.WriteLine($"nonzeros:    {header.Nonzeros} (density {header.Density.ToString("G3", c)})");
        if (header.Rows > 0)
            output.WriteLine($"per row:     min {min}, median {perRow[sampled / 2]}, max {max}" +
                (sampled < header.Rows ? $" (median of {sampled} rows)" : ""));
        output.WriteLine("verified:    all block checksums match");
    }
}
