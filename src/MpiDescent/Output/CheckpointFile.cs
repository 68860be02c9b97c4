using System.Text.Json;
using MpiDescent.IO;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>A training checkpoint: the solver state plus what it was made from (data checksum, settings), so that a
/// resume can refuse another data file or incompatible settings. Written by rank 0, atomically.</summary>
public sealed record CheckpointFile
{
    /// <summary>The format tag.</summary>
    public const string FormatName = "mpidescent-checkpoint";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;
    /// <summary>Checkpoint format version.</summary>
    public int Version { get; init; } = 1;
    /// <summary>Content checksum of the data file.</summary>
    public required string DataChecksum { get; init; }
    /// <summary>Rows of the data file.</summary>
    public long Rows { get; init; }
    /// <summary>Features of the data file.</summary>
    public int Features { get; init; }
    /// <summary>Ranks of the job that wrote it (information only: any rank count can resume).</summary>
    public int Ranks { get; init; }
    /// <summary>When it was written (UTC).</summary>
    public DateTime SavedUtc { get; init; }
    /// <summary>The settings the run used (the learning rate actually used, the seed actually drawn).</summary>
    public required RecordedSettings Settings { get; init; }
    /// <summary>The solver state.</summary>
    public required SolverState State { get; init; }

    /// <summary>Reads and checks a checkpoint file.</summary>
    public static CheckpointFile Read(string path)
    {
        using var stream = InputFile.OpenRead(path);
        CheckpointFile? checkpoint;
        try { checkpoint = JsonSerializer.Deserialize<CheckpointFile>(stream, Json.Options); }
        catch (JsonException e) { throw new InputFileException(path, $"not a valid checkpoint: {e.Message}", e); }
        if (checkpoint?.Format != FormatName || checkpoint.State?.Point is null)
            throw new InputFileException(path, $"not a MpiDescent checkpoint (format is not '{FormatName}')");
        if (checkpoint.Version != 1) throw new InputFileException(path,
            $"checkpoint version {checkpoint.Version} is not supported");
        return checkpoint;
    }

    /// <summary>Throws when this checkpoint cannot continue a run with <paramref name="settings"/> on data with
    /// <paramref name="dataChecksum"/>; <paramref name="explicitLearningRate"/> and <paramref name="explicitSeed"/> say
    /// whether those were given on the command line (else the checkpoint's are used).</summary>
    public void CheckCompatible(string path, string dataPath, string dataChecksum, RecordedSettings settings,
        bool explicitLearningRate, bool explicitSeed)
    {
        if (DataChecksum != dataChecksum)
            throw new InputFileException(path,
                $"was made from data with checksum {DataChecksum}, but {dataPath} has checksum {dataChecksum}: " +
                $"resume with the same data file");
        void Same<T>(string option, T saved, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(saved, now))
                throw new UsageException($"{path} was made with {option} {saved}, this run asks for {now}: " +
                    $"incompatible with --resume");
        }
        Same("--solver", Settings.Solver, settings.Solver);
        Same("--loss", Settings.Loss, settings.Loss);
        Same("--l2", Settings.L2, settings.L2);
        Same("--l1", Settings.L1, settings.L1);
        Same("--schedule", Settings.Schedule, settings.Schedule);
        Same("--validation-fraction", Settings.ValidationFraction, settings.ValidationFraction);
        Same("class weights", (Settings.NegativeClassWeight, Settings.PositiveClassWeight),
            (settings.NegativeClassWeight, settings.PositiveClassWeight));
        Same("--line-search", Settings.LineSearch, settings.LineSearch);
        Same("--momentum", Settings.Momentum, settings.Momentum);
        Same("intercept", Settings.FitIntercept, settings.FitIntercept);
        Same("--standardize", Settings.Standardize, settings.Standardize);
        Same("--summation", Settings.Summation, settings.Summation);
        if (SolverCatalog.Get(settings.Solver).Stochastic) Same("--batch-size", Settings.BatchSize, settings.BatchSize);
        if (explicitLearningRate) Same("--learning-rate", Settings.LearningRate, settings.LearningRate);
        if (explicitSeed) Same("--seed", Settings.Seed, settings.Seed);
    }
}
