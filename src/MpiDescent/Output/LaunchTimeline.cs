using System.Globalization;
using System.Text;

namespace MpiDescent.Output;

/// <summary>Where a job's start-up time goes, for whoever sets <c>MPIDESCENT_LAUNCH_NS</c> to the launch time in
/// nanoseconds since 1970 (<c>MPIDESCENT_LAUNCH_NS=$(date +%s%N) mpiexec ...</c>): each rank then prints, as it exits,
/// one line of the seconds from that launch to each stage it passed (entering Main, MPI started, options parsed, data
/// loaded and the step size chosen, first iteration, solved, outputs written, MPI finalized). Ranks on other nodes
/// measure against their own clocks. Without the variable nothing is recorded.</summary>
public static class LaunchTimeline
{
    private static readonly long LaunchTicks = Parse(Environment.GetEnvironmentVariable("MPIDESCENT_LAUNCH_NS"));
    private static readonly List<(string Stage, long Ticks)> Stages = [];

    /// <summary>Whether the variable is set (and so stages are recorded).</summary>
    public static bool Enabled => LaunchTicks > 0;

    /// <summary>Records that this rank reached <paramref name="stage"/> now.</summary>
    public static void Mark(string stage)
    {
        if (!Enabled) return;
        lock (Stages) Stages.Add((stage, DateTime.UtcNow.Ticks));
    }

    /// <summary>The recorded stages as one line (<c>stage +0.123 s</c> each), or null when not enabled.</summary>
    public static string? Line(int rank)
    {
        if (!Enabled) return null;
        var line = new StringBuilder(
            string.Create(CultureInfo.InvariantCulture, $"MpiDescent: rank {rank}: launch to"));
        lock (Stages)
            foreach (var (stage, ticks) in Stages)
                line.Append(CultureInfo.InvariantCulture, $" {stage} {(ticks - LaunchTicks) / 1e7:F3} s,");
        return line.ToString().TrimEnd(',');
    }

    private static long Parse(string? nanoseconds) =>
        long.TryParse(nanoseconds, NumberStyles.None, CultureInfo.InvariantCulture, out long ns) && ns > 0
            ? DateTime.UnixEpoch.Ticks + ns / 100 : 0;
}
