namespace MpiDescent.Communication;

/// <summary>
/// How long a rank waits in a collective before it decides that another rank has stalled (a frozen node, a process
/// stopped with SIGSTOP, a hang in I/O), and what it does then. The waiting ranks ask each other, over a side channel,
/// which collective each is in; the ranks that do not answer are the ones that did not arrive. The lowest waiting rank
/// names them, <see cref="BeforeAbort"/> runs (rank 0 records the outcome), and the job ends through MPI_Abort with
/// <see cref="ExitCodes.Stalled"/>. A stop request (SIGTERM) while a collective cannot complete ends the job the same
/// way after <see cref="SignalGrace"/>, so a stalled job can still be ended without SIGKILL.
/// </summary>
public sealed class CollectiveWatchdog
{
    /// <summary>The default stall timeout: well above any normal wait for another rank (a slow load of a large slice
    /// included).</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromMinutes(15);

    /// <summary>The shortest wait after a stop request before a collective that does not complete ends the
    /// job.</summary>
    public static readonly TimeSpan MinimumSignalGrace = TimeSpan.FromSeconds(10);

    /// <summary>How long the diagnosis listens for the other ranks' answers.</summary>
    public static readonly TimeSpan DiagnosisWindow = TimeSpan.FromSeconds(3);

    /// <summary>How long a rank may wait in one collective (<see cref="TimeSpan.Zero"/>: forever).</summary>
    public TimeSpan StallTimeout { get; set; } = DefaultStallTimeout;

    /// <summary>Time added to <see cref="StallTimeout"/> while one rank does agreed long work on its own (rank 0
    /// converting a text input while the others wait), so that the work does not count as a stall.</summary>
    public TimeSpan Allowance { get; private set; }

    /// <summary>The slowest rate assumed for rank 0's own work on an input, in bytes per second (a read and a parse
    /// from a slow shared file system): an input of B bytes adds B / this rate to the stall timeout.</summary>
    public const double SlowestInputRate = 4e6;

    /// <summary>Adds <paramref name="extra"/> to the stall timeout until the returned scope is disposed (collective
    /// callers: every rank the same).</summary>
    public IDisposable Allow(TimeSpan extra)
    {
        Allowance += extra;
        return new Scope(() => Allowance -= extra);
    }

    /// <summary>The wait after which a collective counts as stalled (<see cref="TimeSpan.Zero"/>: never).</summary>
    public TimeSpan EffectiveStallTimeout => StallTimeout > TimeSpan.Zero ? StallTimeout + Allowance : TimeSpan.Zero;

    private sealed class Scope(Action end) : IDisposable
    {
        private Action? _end = end;

        public void Dispose() => Interlocked.Exchange(ref _end, null)?.Invoke();
    }

    /// <summary>Whether a stop has been requested on this rank (a preemption signal); null: never.</summary>
    public Func<bool>? StopRequested { get; set; }

    /// <summary>Runs on every diagnosing rank with the message, just before the job is aborted (rank 0 writes the run's
    /// status file here).</summary>
    public Action<string>? BeforeAbort { get; set; }

    /// <summary>After a stop request, how long a collective may still take: <see cref="MinimumSignalGrace"/>, or three
    /// times the longest interval between collectives seen so far, whichever is longer (a healthy slow iteration must
    /// still reach the agreed stop and its checkpoint).</summary>
    public TimeSpan SignalGrace(TimeSpan longestInterval) =>
        TimeSpan.FromTicks(Math.Max(MinimumSignalGrace.Ticks, 3 * longestInterval.Ticks));
}
