namespace MpiDescent.IO;

/// <summary>The process's peak resident memory.</summary>
public static class PeakMemory
{
    /// <summary>The most bytes this process has held resident: on Linux the kernel's high-water mark (<c>VmHWM</c> in
    /// <c>/proc/self/status</c>, one small read), elsewhere <see cref="System.Diagnostics.Process.PeakWorkingSet64"/>
    /// (which on Linux also reads every thread's statistics: 10 ms or more at the end of a run).</summary>
    public static long Bytes()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                        && long.TryParse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), out long kilobytes))
                        return kilobytes * 1024;
            }
            catch (IOException) { }
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
