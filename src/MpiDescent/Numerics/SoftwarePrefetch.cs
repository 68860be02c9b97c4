using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace MpiDescent.Numerics;

/// <summary>
/// Software prefetch (prefetcht0) of the bytes <see cref="DistanceBytes"/> ahead of a row as the streaming passes reach
/// it. A hint only: it never changes a result, and an address past the end of the data cannot fault.
/// Measured in one process, interleaved (docs/performance.md): on an Intel Xeon (16-core VM) it raised the
/// least-squares pass from 7.7 to 10.6 GB/s on one core and from 4.7 to 7.5 GB/s per process with 16 processes
/// streaming at once, and a plain read by 9-30%, because one core there cannot keep enough cache misses in flight from
/// the hardware prefetcher alone; on an AMD EPYC (Zen) it cost 9% (its hardware prefetcher already keeps up). So it is
/// on by default on Intel processors only; the environment variable <c>MPIDESCENT_PREFETCH=1</c> or <c>0</c> overrides
/// that (<c>MpiDescent bench</c> measures both ways on any machine). </summary>
public static class SoftwarePrefetch
{
    /// <summary>How far ahead of the row being read the prefetches go: 4 KB (1 KB and 16 KB were measured
    /// too).</summary>
    public const int DistanceBytes = 4096;

    /// <summary>The environment variable that overrides the default: 1 (on) or 0 (off).</summary>
    public const string Variable = "MPIDESCENT_PREFETCH";

    /// <summary>The x86 CPU vendor string (GenuineIntel, AuthenticAMD, ...), or "" elsewhere. (Initialized before
    /// <see cref="Enabled"/>, which reads it.)</summary>
    public static string Vendor { get; } = ReadVendor();

    /// <summary>Whether the passes prefetch: the CPU's default or <see cref="Variable"/>. Settable for the benchmark
    /// and the tests (the same on every rank: it changes only speed).</summary>
    public static bool Enabled { get; internal set; } = Default(Environment.GetEnvironmentVariable(Variable), Vendor);

    /// <summary>On for Intel processors with SSE, unless <paramref name="setting"/> is "0" or "1".</summary>
    internal static bool Default(string? setting, string vendor) => setting?.Trim() switch
    {
        "1" => Sse.IsSupported,
        "0" => false,
        _ => Sse.IsSupported && vendor == "GenuineIntel",
    };

    /// <summary>Prefetches the cache lines of <paramref name="count"/> elements starting <see cref="DistanceBytes"/>
    /// after <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Ahead<T>(ref T start, int count) where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        byte* p = (byte*)Unsafe.AsPointer(ref start) + DistanceBytes;
        for (int o = 0, bytes = count * sizeof(T); o < bytes; o += 64) Sse.Prefetch0(p + o);
    }

    private static string ReadVendor()
    {
        if (!X86Base.IsSupported) return "";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(bytes);
    }
}
