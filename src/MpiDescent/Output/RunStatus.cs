namespace MpiDescent.Output;

/// <summary>How a training run stands or ended, as its status file says.</summary>
public enum RunState
{
    /// <summary>Started and not ended (a status still saying so after the job is gone means it crashed).</summary>
    Running,
    /// <summary>Ended normally; the model was written (exit 0).</summary>
    Completed,
    /// <summary>Diverged; the last finite model was written (exit 4).</summary>
    Diverged,
    /// <summary>Ended short of the tolerance (the iteration limit, or no further progress); the model, the best point
    /// found, was written (exit 0, or 8 with <c>--require-convergence</c>).</summary>
    NotConverged,
    /// <summary>Stopped by a signal; continue from <see cref="RunStatus.Checkpoint"/> (exit 5), or from the start when
    /// there is none yet.</summary>
    Interrupted,
    /// <summary>A rank stopped answering (exit 7); continue from the last checkpoint, if any, once the node is
    /// healthy.</summary>
    Stalled,
    /// <summary>Failed (the exit code says how); nothing was written.</summary>
    Failed,
}

/// <summary>
/// The status file of a training run (<c>--status</c>, beside the model by default): written atomically by rank 0 when
/// the run starts and again when it ends, so a batch script can tell what happened whatever the launcher returned
/// (MPICH's Hydra sometimes returns 0 when it is itself sent SIGTERM although every rank exited 5).
/// <c>scripts/slurm.sbatch</c> and <c>scripts/pbs.sh</c> requeue on <see cref="RunState.Interrupted"/>. </summary>
public sealed record RunStatus
{
    /// <summary>The format tag.</summary>
    public const string FormatName = "mpidescent-status";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;
    /// <summary>The state.</summary>
    public RunState State { get; init; }
    /// <summary>The exit code every rank exits with (null while running).</summary>
    public int? ExitCode { get; init; }
    /// <summary>What happened, in a sentence.</summary>
    public string Message { get; init; } = "";
    /// <summary>The model file, when one was written.</summary>
    public string? Model { get; init; }
    /// <summary>The checkpoint to continue from, when there is one to continue from.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>Ranks of the job.</summary>
    public int Ranks { get; init; }
    /// <summary>When this status was written (UTC).</summary>
    public DateTime UpdatedUtc { get; init; }

    /// <summary>Writes <paramref name="status"/> atomically.</summary>
    public static void Write(string path, RunStatus status) => Json.Write(path,
        status with { UpdatedUtc = DateTime.UtcNow });
}
