namespace MpiDescent.Training.Objectives;

/// <summary>
/// Requests that must reach every rank in the same iteration: a stop (preemption signal on any rank) and a time-based
/// checkpoint (rank 0's clock). The objective carries them in two extra slots of its one reduction per evaluation, so
/// no extra collective is needed; after each evaluation <see cref="StopAgreed"/> and <see cref="CheckpointAgreed"/>
/// hold the same values on every rank. </summary>
public sealed class RunControl
{
    private volatile bool _stopRequested;

    /// <summary>Number of reduction slots the control needs.</summary>
    public const int Slots = 2;

    /// <summary>Rank 0's test of whether a time-based checkpoint is due (null: none).</summary>
    public Func<bool>? CheckpointDue { get; set; }

    /// <summary>Whether this rank is rank 0 (only its clock decides checkpoints).</summary>
    public bool IsRoot { get; init; } = true;

    /// <summary>Asks to stop at the next iteration; safe to call from a signal handler.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>Whether this rank has been asked to stop (not yet agreed).</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>True once every rank has learned, through a reduction, that some rank asked to stop.</summary>
    public bool StopAgreed { get; private set; }

    /// <summary>True when rank 0's clock asked for a checkpoint in the last reduction.</summary>
    public bool CheckpointAgreed { get; private set; }

    /// <summary>This rank's contribution to the control slots.</summary>
    public void Contribute(Span<double> slots)
    {
        slots[0] = _stopRequested ? 1 : 0;
        slots[1] = IsRoot && CheckpointDue?.Invoke() == true ? 1 : 0;
    }

    /// <summary>Reads the reduced control slots.</summary>
    public void Receive(ReadOnlySpan<double> totals)
    {
        StopAgreed |= totals[0] > 0;
        CheckpointAgreed = totals[1] > 0;
    }
}
