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
        output.WriteLine($"format:      MpiDescent data, version {DataFileHeader.CurrentVersion}, " +
            $"{header.ElementType.Name()}, dense rows");
        output.WriteLine($"rows:        {header.Rows}");
        output.WriteLine($"features:    {header.Features}");
        output.WriteLine($"weights:     {(header.HasWeights ? "yes, one per row after the label" : "no")}");
        string names = header.FeatureNames.Count == 0 ? "(none)"
            : string.Join(", ", header.FeatureNames.Take(20).Select(n => PrintableText.Escape(n)))
                + (header.Features > 20 ? ", ..." : "");
        output.WriteLine($"names:       {names}");
        output.WriteLine($"checksum:    {header.ChecksumHex} (XXH3-64 over {header.ChecksumBlocks} blocks of " +
            $"{header.ChecksumBlockRows} rows)");
        using var stream = InputFile.OpenRead(path);
        var table = new byte[header.ChecksumBlocks * 8];
        InputFile.ReadExactlyAt(stream.SafeFileHandle, table, header.ChecksumTableOffset, path);
        if (XxHash3.HashToUInt64(table) != header.ContentChecksum) throw new InputFileException(path,
            "the block checksum table is corrupt");
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
}
