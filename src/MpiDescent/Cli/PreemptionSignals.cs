using System.Runtime.InteropServices;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Cli;

/// <summary>
/// Turns SIGTERM and SIGUSR1 (SLURM <c>--signal</c>, wall-time limits, preemption) and a first SIGINT into a stop
/// request: the ranks agree on it at the next iteration, write a checkpoint and exit with code 5. A second SIGINT
/// terminates at once.
/// </summary>
public sealed class PreemptionSignals : IDisposable
{
    private const int SigUsr1 = 10;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _interrupts;

    /// <summary>Registers the handlers, which call <see cref="RunControl.RequestStop"/> on <paramref
    /// name="control"/>.</summary>
    public PreemptionSignals(RunControl control)
    {
        if (OperatingSystem.IsWindows()) return;
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            { c.Cancel = true; control.RequestStop(); }));
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
            { c.Cancel = true; control.RequestStop(); }));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = Interlocked.Increment(ref _interrupts) == 1;
            control.RequestStop();
        }));
    }

    /// <summary>Sends SIGTERM to this process and waits until the handler has recorded it on <paramref name="control"/>
    /// (the test hook <c>MPIDESCENT_SIGNAL</c>: a real signal at a known iteration).</summary>
    public static void RaiseTerminate(RunControl control)
    {
        if (kill(System.Environment.ProcessId, 15) != 0) throw new InvalidOperationException("kill(SIGTERM) failed");
        if (!SpinWait.SpinUntil(() => control.StopRequested, TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException("SIGTERM was not delivered to the handler within 10 s");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <inheritdoc />
    public void Dispose() => _registrations.ForEach(r => r.Dispose());
}
