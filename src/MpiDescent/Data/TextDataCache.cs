using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text.Json;
using MpiDescent.IO;

namespace MpiDescent.Data;

/// <summary>
/// <c>train data.csv</c>: a text input converted once into a data file kept beside it (or where
/// <c>--data-cache</c> says), and reused while the input and the conversion settings are unchanged. A stamp file
/// beside the cache (<see cref="StampPath"/>) records what it was made from: the input's size and XXH3-64 checksum,
/// the conversion's settings (<see cref="TextConversion.Key"/>) and the data file's content checksum. The cache is
/// replaced only when its stamp says this program wrote it; any other file at its path is refused, never overwritten.
/// A stamp is written as pending before a conversion and completed after it, so an interrupted conversion leaves a
/// cache that the next run makes again rather than one it refuses or trusts.
/// </summary>
public static class TextDataCache
{
    /// <summary>The stamp's format tag.</summary>
    public const string FormatName = "mpidescent-data-cache";

    /// <summary>data.csv → data.csv.mpidescent.bin beside it.</summary>
    public static string DefaultPath(string input) => input + ".mpidescent.bin";

    /// <summary>The stamp beside a cache: data.csv.mpidescent.bin → data.csv.mpidescent.source.json.</summary>
    public static string StampPath(string cache) => Path.ChangeExtension(cache, ".source.json");

    /// <summary>Whether <paramref name="path"/> is to be read as a data file rather than converted: its name ends in
    /// .bin, or it starts with the data file's magic. A file that cannot be read counts as a data file, so that
    /// opening it reports what is wrong.</summary>
    public static bool IsDataFile(string path)
    {
        if (Path.GetExtension(path).Equals(".bin", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            if (FileStatus.Of(path).Kind != FileKind.Regular) return true;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> magic = stackalloc byte[8];
            return stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) == magic.Length
                && magic.SequenceEqual(DataFileHeader.Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }

    /// <summary>What <see cref="Prepare"/> did.</summary>
    /// <param name="Reused">Whether the cache was up to date.</param>
    /// <param name="Message">One line for the log: what was converted or reused, with the figures.</param>
    public sealed record Outcome(bool Reused, string Message);

    /// <summary>Makes <paramref name="cache"/> a data file of <paramref name="input"/> under
    /// <paramref name="conversion"/>: reuses it when its stamp matches the input's size and checksum and the
    /// settings, converts otherwise.</summary>
    /// <exception cref="MpiDescentException">The cache path holds a file this program did not write (exit 2), the
    /// input is unreadable or malformed, or it changed while being converted (exit 3).</exception>
    public static Outcome Prepare(string input, string cache, TextConversion conversion)
    {
        var format = conversion.ResolveFormat(input);
        var key = conversion.Key(format);
        var clock = Stopwatch.StartNew();
        var (bytes, checksum, written) = Fingerprint(input);
        double hashSeconds = clock.Elapsed.TotalSeconds;
        var stamp = ReadStamp(cache);
        if (stamp is null && FileStatus.Of(StampPath(cache)).Kind != FileKind.Missing)
            throw new UsageException($"{StampPath(cache)} exists and is not the stamp of a data cache: it is not "
                + "overwritten; remove it, or name another cache file with --data-cache");
        bool exists = FileStatus.Of(cache).Kind != FileKind.Missing;
        if (exists)
        {
            if (stamp is null)
                throw new UsageException($"{cache} exists and is not a data cache of {input} (there is no "
                    + $"{StampPath(cache)} beside it): it is not overwritten; remove it, or name another file with "
                    + "--data-cache");
            if (stamp.DataChecksum is string recorded)
            {
                string? actual = TryHeaderChecksum(cache);
                if (actual is not null && actual != recorded)
                    throw new UsageException($"{cache} is not the data file its stamp {StampPath(cache)} records "
                        + $"(checksum {actual}, recorded {recorded}): it is not overwritten; remove both, or name "
                        + "another file with --data-cache");
                if (actual == recorded && stamp.InputBytes == bytes && stamp.InputChecksum == checksum
                    && stamp.Conversion == key)
                    return new Outcome(true, string.Create(CultureInfo.InvariantCulture,
                        $"{input} is unchanged since it was converted ({bytes} bytes, XXH3-64 {checksum}, checked in "
                        + $"{hashSeconds:F2} s): training on {cache}"));
            }
        }
        var pending = new Stamp
        {
            Input = Path.GetFullPath(input),
            InputBytes = bytes,
            InputChecksum = checksum,
            Conversion = key,
        };
        WriteStamp(cache, pending);
        long started = Stopwatch.GetTimestamp();
        var (header, note) = conversion.Convert(input, format, cache);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var after = new FileInfo(input);
        if (after.Length != bytes || after.LastWriteTimeUtc != written)
            throw new InputFileException(input, $"changed while it was being converted into {cache}; run again "
                + "when it is complete");
        WriteStamp(cache, pending with { DataChecksum = header.ChecksumHex, ConvertedUtc = DateTime.UtcNow });
        string why = !exists ? "" : stamp!.DataChecksum is null ? " (its last conversion did not finish)"
            : stamp.Conversion != key ? " (the conversion settings changed)" : " (the input changed)";
        return new Outcome(false, $"converted {input}{why} into " + TextConversion.Describe(cache, header, note)
            + "; " + TextConversion.Rate(bytes, seconds));
    }

    /// <summary>The input's size, XXH3-64 of its bytes (16 hex digits) and its last write time.</summary>
    private static (long Bytes, string Checksum, DateTime Written) Fingerprint(string input)
    {
        using var stream = InputFile.OpenRead(input);
        var written = File.GetLastWriteTimeUtc(input);
        var hash = new XxHash3();
        var buffer = new byte[1 << 20];
        long bytes = 0;
        try
        {
            for (int n; (n = stream.Read(buffer)) > 0; bytes += n) hash.Append(buffer.AsSpan(0, n));
        }
        catch (IOException e) { throw new InputFileException(input, $"cannot be read: {e.Message}", e); }
        return (bytes, hash.GetCurrentHashAsUInt64().ToString("x16"), written);
    }

    private static string? TryHeaderChecksum(string path)
    {
        try { return DataFileHeader.Read(path).ChecksumHex; }
        catch (MpiDescentException) { return null; }
        catch (IOException) { return null; }
    }

    private static Stamp? ReadStamp(string cache)
    {
        var path = StampPath(cache);
        try
        {
            var stamp = JsonSerializer.Deserialize<Stamp>(File.ReadAllBytes(path), JsonOptions);
            return stamp?.Format == FormatName ? stamp : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    private static void WriteStamp(string cache, Stamp stamp)
    {
        var path = StampPath(cache);
        try { AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(stamp, JsonOptions)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = DataCacheJsonContext.Default,
    };

    /// <summary>The stamp file's content (documented in docs/data-format.md).</summary>
    internal sealed record Stamp
    {
        public string Format { get; init; } = FormatName;
        public string Input { get; init; } = "";
        public long InputBytes { get; init; }
        public string InputChecksum { get; init; } = "";
        public string Conversion { get; init; } = "";
        public string? DataChecksum { get; init; }
        public DateTime? ConvertedUtc { get; init; }
    }
}
