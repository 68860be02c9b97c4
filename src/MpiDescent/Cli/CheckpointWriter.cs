using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Output;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>Writes checkpoints for a training run: rank 0 writes atomically, all ranks agree on the outcome, and the
/// interval clock restarts. Also sets up the agreed time-based trigger.</summary>
public sealed class CheckpointWriter(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors,
    Func<SolverState, CheckpointFile> describe)
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly CheckpointHistory _history = new(CheckpointHistory.BesideCheckpoint(options.CheckpointPath));

    /// <summary>Where checkpoints go.</summary>
    public string Path => options.CheckpointPath;

    /// <summary>Whether this run has written a checkpoint.</summary>
    public bool Written { get; private set; }

    /// <summary>Makes <paramref name="control"/> ask for a checkpoint when the interval has passed on rank 0.</summary>
    public void Arm(RunControl control)
    {
        if (options.CheckpointInterval > 0) control.CheckpointDue = () =>
            _sinceLast.Elapsed.TotalSeconds >= options.CheckpointInterval;
    }

    /// <summary>Writes <paramref name="state"/> (collective).</summary>
    public void Write(SolverState state)
    {
        Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank != 0) return;
            // The whole history goes to the file beside; the checkpoint keeps the last two records, what resuming
            // needs.
            _history.Update(state.History);
            var tail = state.History.Skip(Math.Max(0, state.History.Count - 2)).ToArray();
            CheckpointFile.Write(options.CheckpointPath, describe(state with { History = tail }) with
            {
                HistoryFile = System.IO.Path.GetFileName(_history.Path),
            });
            string where = options.Solver.Stochastic ? $"epoch {state.Epoch}, position {state.Position}"
                : $"iteration {state.Iteration}";
            if (!options.Quiet) output.WriteLine($"checkpoint: {where} saved to {options.CheckpointPath}");
        });
        _sinceLast.Restart();
        Written = true;
    }

    /// <summary>After a run that ended (completed or diverged): renames the checkpoint this run wrote or resumed from
    /// to <c>CHECKPOINT.completed</c>, so that resubmitting the same job starts afresh instead of resuming a finished
    /// run (rank 0; returns the new name, or null when there was nothing to retire).</summary>
    public string? Retire(bool resumedFromIt)
    {
        if (comm.Rank != 0 || !(Written || resumedFromIt) || !File.Exists(Path)) return null;
        var retired = Path + ".completed";
        File.Move(Path, retired, overwrite: true);
        if (File.Exists(_history.Path)) File.Move(_history.Path, _history.Path + ".completed", overwrite: true);
        return retired;
    }
}
