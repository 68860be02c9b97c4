using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Output;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>Writes checkpoints for a training run: rank 0 writes atomically, all ranks agree on the outcome, and the
/// interval clock restarts. Also sets up the agreed time-based trigger.</summary>
public sealed class CheckpointWriter(TrainOptions options, ICommunicator comm, TextWriter output, TextWriter errors,
    Func<SolverState?, CheckpointFile> describe)
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly CheckpointHistory _history = new(CheckpointHistory.BesideCheckpoint(options.CheckpointPath));
    private string? _vectorsInUse; // the vectors file the checkpoint at Path refers to (rank 0), replaced by the next

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

    /// <summary>Takes over the vectors file of the checkpoint being resumed from, when it is the one this run writes
    /// (<paramref name="file"/>, beside it): the first new checkpoint replaces it.</summary>
    public void Adopt(string? file)
    {
        if (file is not null)
            _vectorsInUse = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(
                System.IO.Path.GetFullPath(options.CheckpointPath))!, file);
    }

    /// <summary>Writes <paramref name="state"/> (collective). A partitioned run's state (<see
    /// cref="SolverState.Slices"/>) goes to a vectors file beside the checkpoint that every rank writes its slices
    /// into, then the checkpoint, which names it; the vectors file of the previous checkpoint is deleted once the new
    /// one is in place.</summary>
    public void Write(SolverState state)
    {
        CheckpointVectors? vectors = null;
        string? vectorsPath = null;
        if (state.Slices is { } space)
        {
            (vectors, vectorsPath) = WriteVectors(state, space);
            state = state with
            {
                Point = [],
                Auxiliary = options.Solver.StateIsParameterVectors ? null : state.Auxiliary,
                Slices = null,
            };
        }
        Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank != 0) return;
            // The whole history goes to the file beside; the checkpoint keeps the last two records, what resuming
            // needs.
            _history.Update(state.History);
            var tail = state.History.Skip(Math.Max(0, state.History.Count - 2)).ToArray();
            try
            {
                CheckpointFile.Write(options.CheckpointPath, describe(state with { History = tail }) with
                {
                    HistoryFile = System.IO.Path.GetFileName(_history.Path),
                    Vectors = vectors,
                });
            }
            catch when (vectorsPath is not null)
            {
                File.Delete(vectorsPath); // the checkpoint in place still names its own vectors
                throw;
            }
            if (_vectorsInUse is { } previous && previous != vectorsPath) File.Delete(previous);
            _vectorsInUse = vectorsPath;
            string where = options.Solver.Stochastic ? $"epoch {state.Epoch}, position {state.Position}"
                : $"iteration {state.Iteration}";
            if (!options.Quiet) output.WriteLine($"checkpoint: {where} saved to {options.CheckpointPath}");
        });
        _sinceLast.Restart();
        Written = true;
    }

    /// <summary>Writes a checkpoint of a regularization path's or cross-validation's models (collective): each
    /// one's result or saved state, and no single model's state.</summary>
    public void WriteModelSearch(Training.Paths.PathProgress progress)
    {
        Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank != 0) return;
            CheckpointFile.Write(options.CheckpointPath, describe(null) with { ModelSearch = progress });
            if (!options.Quiet)
                output.WriteLine($"checkpoint: {progress.Models.Count(m => m.Result is not null)} of " +
                    $"{progress.Models.Length} models finished, {progress.Models.Count(m => m.State is not null)} " +
                    $"saved in progress, to {options.CheckpointPath}");
        });
        _sinceLast.Restart();
        Written = true;
    }

    /// <summary>Every rank writes its slices of θ and of the solver's vectors into one new file beside the checkpoint
    /// (rank 0 creates it, named by a token it draws; all agree before and after), and rank 0 gives it its final name:
    /// returns the manifest and that path (collective).</summary>
    private (CheckpointVectors Manifest, string Path) WriteVectors(SolverState state, Model.ParameterSpace space)
    {
        var slices = new List<double[]> { state.Point };
        if (options.Solver.StateIsParameterVectors && state.Auxiliary is { } auxiliary) slices.AddRange(auxiliary);
        ulong token = comm.BroadcastFromRoot((ulong)Random.Shared.NextInt64());
        string final = $"{options.CheckpointPath}.{token:x16}.vectors", temporary = $"{final}.tmp";
        ulong[] gathered;
        try
        {
            Collective.Agree(comm, errors, () =>
            {
                if (comm.Rank == 0) CheckpointVectors.Create(options.CheckpointPath, temporary, space, slices.Count);
            });
            var mine = Collective.Agree(comm, errors, () => CheckpointVectors.WriteSlices(temporary, space, slices));
            var counts = CheckpointVectors.ChecksumCounts(space, slices.Count);
            gathered = new ulong[counts.Sum()];
            comm.Allgather<ulong>(mine, counts, gathered);
            Collective.Agree(comm, errors, () =>
            {
                if (comm.Rank == 0) File.Move(temporary, final);
            });
        }
        catch
        {
            if (comm.Rank == 0) File.Delete(temporary);
            throw;
        }
        return (CheckpointVectors.Manifest(System.IO.Path.GetFileName(final), space, slices.Count, gathered), final);
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
