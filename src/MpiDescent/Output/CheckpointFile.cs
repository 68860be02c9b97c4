using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Training.Paths;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>
/// A training checkpoint: the solver state plus what it was made from (data checksum, settings), so that a resume can
/// refuse another data file or incompatible settings. Written by rank 0, atomically, with a checksum over its bytes
/// (XXH3-64 of the file with the checksum's own value zeroed) that a resume verifies, and every field is checked when
/// it is read: a damaged or crafted checkpoint is refused with exit 3 naming the file and the field. The state keeps
/// only the last two history records (what resuming needs); the whole history is appended to <see cref="HistoryFile"/>
/// beside it (<see cref="CheckpointHistory"/>), so writing a checkpoint costs the same at any iteration. </summary>
public sealed record CheckpointFile
{
    /// <summary>The format tag.</summary>
    public const string FormatName = "mpidescent-checkpoint";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;
    /// <summary>Checkpoint format version.</summary>
    public int Version { get; init; } = CurrentVersion;
    /// <summary>XXH3-64 of the file's bytes with this field's 16 digits set to '0', in hexadecimal.</summary>
    public string Checksum { get; init; } = ZeroChecksum;
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
    /// <summary>The solver state of the one model being trained: the run's, or the refit of the penalty a
    /// cross-validation chose; null while a path's models are being trained.</summary>
    public SolverState? State { get; init; }
    /// <summary>A regularization path's or cross-validation's models (<see cref="PathProgress"/>): each one's saved
    /// state or result. Null for a single model's run.</summary>
    public PathProgress? ModelSearch { get; init; }
    /// <summary>The file beside the checkpoint that holds the whole history (its name), or null.</summary>
    public string? HistoryFile { get; init; }
    /// <summary>A partitioned run's vectors (θ, then the solver's vectors of θ's length), in a binary file beside the
    /// checkpoint; <see cref="SolverState.Point"/> is then empty. Null: the state holds them.</summary>
    public CheckpointVectors? Vectors { get; init; }

    /// <summary>The version this program writes and reads.</summary>
    public const int CurrentVersion = 2;
    private const string ZeroChecksum = "0000000000000000";
    private static readonly byte[] ChecksumField = Encoding.UTF8.GetBytes("\"checksum\": \"");

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically, with its checksum. The
    /// JSON is streamed to the file (hashed as it goes, the checksum's digits patched in at the end), so that a wide
    /// model's vectors need no string of the whole file.</summary>
    public static void Write(string path, CheckpointFile checkpoint)
    {
        using var file = new AtomicFile(path);
        var hashing = new HashingStream(file.Stream);
        JsonSerializer.Serialize(hashing, checkpoint with { Checksum = ZeroChecksum }, Json.Options);
        hashing.WriteByte((byte)'\n');
        int at = hashing.Head.IndexOf(ChecksumField);
        if (at < 0) throw new InvalidOperationException("the checksum field is not among the checkpoint's first bytes");
        file.Stream.Seek(at + ChecksumField.Length, SeekOrigin.Begin);
        file.Stream.Write(Encoding.ASCII.GetBytes(hashing.Hash.ToString("x16", CultureInfo.InvariantCulture)));
        file.Commit();
    }

    /// <summary>Reads a checkpoint file, verifies its checksum and checks every field that does not depend on the
    /// data (<see cref="CheckState"/> checks the rest once the problem is built). The file is streamed twice (the
    /// checksum, then the JSON), never held whole.</summary>
    /// <exception cref="InputFileException">Unreadable, damaged (checksum), malformed or out-of-range content; the
    /// message names the field.</exception>
    public static CheckpointFile Read(string path)
    {
        using var stream = InputFile.OpenRead(path);
        var head = new byte[(int)Math.Min(stream.Length, HeadBytes)];
        stream.ReadExactly(head);
        int at = head.AsSpan().IndexOf(ChecksumField);
        if (at < 0 || at + ChecksumField.Length + 17 > head.Length || head[at + ChecksumField.Length + 16] != (byte)'"')
            throw new InputFileException(path, head.AsSpan().IndexOf("mpidescent-checkpoint"u8) < 0
                ? $"not a MpiDescent checkpoint (format is not '{FormatName}')"
                : "has no checksum: a checkpoint of an older version, or damaged; start the run afresh");
        at += ChecksumField.Length;
        string stored = Encoding.ASCII.GetString(head, at, 16);
        var hasher = new XxHash3();
        var buffer = new byte[1 << 20];
        stream.Position = 0;
        for (long position = 0; ;)
        {
            int n = stream.Read(buffer);
            if (n == 0) break;
            // The checksum's own digits count as '0'.
            for (long k = Math.Max(position, at); k < Math.Min(position + n, at + 16); k++)
                buffer[k - position] = (byte)'0';
            hasher.Append(buffer.AsSpan(0, n));
            position += n;
        }
        string actual = hasher.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
        if (stored != actual)
            throw new InputFileException(path, $"checksum mismatch (stored {stored}, content {actual}): the checkpoint "
                + "was changed or damaged after it was written; resume from an intact one or start afresh");
        CheckpointFile? checkpoint;
        stream.Position = 0;
        try { checkpoint = JsonSerializer.Deserialize<CheckpointFile>(stream, Json.Options); }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException
                                      or OverflowException or NotSupportedException)
        {
            throw new InputFileException(path, $"not a valid checkpoint: {e.Message}", e);
        }
        if (checkpoint?.Format != FormatName)
            throw new InputFileException(path, $"not a MpiDescent checkpoint (format is not '{FormatName}')");
        if (checkpoint.Version != CurrentVersion)
            throw new InputFileException(path,
                $"checkpoint version {checkpoint.Version} is not supported (this program "
                + $"reads version {CurrentVersion})");
        checkpoint.Validate(path);
        return checkpoint;
    }

    /// <summary>The first bytes of a checkpoint, where its checksum field is.</summary>
    private const int HeadBytes = 4096;

    /// <summary>Passes writes through to a stream, hashing them (XXH3-64) and keeping the first
    /// <see cref="HeadBytes"/>.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly XxHash3 _hasher = new();
        private readonly byte[] _head = new byte[HeadBytes];
        private int _kept;

        public ReadOnlySpan<byte> Head => _head.AsSpan(0, _kept);
        public ulong Hash => _hasher.GetCurrentHashAsUInt64();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hasher.Append(buffer);
            int keep = Math.Min(buffer.Length, _head.Length - _kept);
            buffer[..keep].CopyTo(_head.AsSpan(_kept));
            _kept += keep;
            inner.Write(buffer);
        }
    }

    /// <summary>The data-independent checks: every field present and in range.</summary>
    private void Validate(string path)
    {
        void Fail(string field, string problem) => throw new InputFileException(path, $"field {field}: {problem}");
        static bool Hex16(string? s) => s is { Length: 16 } && s.All(char.IsAsciiHexDigitLower);
        if (!Hex16(DataChecksum)) Fail("dataChecksum", "must be 16 lowercase hexadecimal digits");
        if (Rows < 1) Fail("rows", $"{Rows} is not a row count");
        if (Features < 1) Fail("features", $"{Features} is not a feature count");
        if (Ranks < 1) Fail("ranks", $"{Ranks} is not a rank count");
        if (Settings is null) Fail("settings", "missing");
        var s = Settings!;
        if (s.Solver is null || !SolverCatalog.Names.Contains(s.Solver)) Fail("settings.solver",
            $"unknown solver '{s.Solver}'");
        if (s.Loss is null || !LossKinds.All.Any(k => k.Name() == s.Loss)) Fail("settings.loss",
            $"unknown loss '{s.Loss}'");
        if (!(double.IsNaN(s.LearningRate) || (double.IsFinite(s.LearningRate) && s.LearningRate >= 0)))
            Fail("settings.learningRate", $"{s.LearningRate} is not a learning rate (finite, not negative)");
        if (s.MaxIterations < 0) Fail("settings.maxIterations", $"{s.MaxIterations} is negative");
        if (s.Epochs < 1) Fail("settings.epochs", $"{s.Epochs} is below 1");
        if (s.BatchSize < 1) Fail("settings.batchSize", $"{s.BatchSize} is below 1");
        foreach (var (name, value, max) in new[] { ("tolerance", s.Tolerance, 1.0), ("l1", s.L1, double.MaxValue),
                     ("l2", s.L2, double.MaxValue), ("momentum", s.Momentum, 1.0), ("lossTolerance", s.LossTolerance,
                         1.0),
                     ("validationFraction", s.ValidationFraction, 0.9) })
            if (!(value >= 0 && value <= max)) Fail($"settings.{name}", $"{value} is out of range [0, {max:G}]");
        foreach (var (name, value) in new[] { ("negativeClassWeight", s.NegativeClassWeight),
                     ("positiveClassWeight", s.PositiveClassWeight) })
            if (!(value > 0 && double.IsFinite(value))) Fail($"settings.{name}", $"{value} is not a positive weight");
        if (s.Summation is not ("reproducible" or "plain")) Fail("settings.summation", $"unknown '{s.Summation}'");
        if (s.Schedule is not ("constant" or "inverse-scaling" or "step")) Fail("settings.schedule",
            $"unknown '{s.Schedule}'");
        if (s.Patience < 0) Fail("settings.patience", $"{s.Patience} is negative");
        if (State is null && ModelSearch is null) Fail("state", "missing");
        if (State is not null) ValidateState(path, "state", State, s, Vectors);
        if (ModelSearch is { } search)
        {
            if (search.Description is null || search.Models is null || search.Models.Length == 0)
                Fail("modelSearch", "needs a description and the models");
            if (Vectors is not null) Fail("vectors", "a path's models keep their vectors in the checkpoint");
            if (search.ReferenceNorms is { } norms && norms.Length != search.Models!.Length)
                Fail("modelSearch.referenceNorms", $"has {norms.Length} values for {search.Models.Length} models");
            for (int i = 0; i < search.Models!.Length; i++)
            {
                string field = $"modelSearch.models[{i}]";
                var model = search.Models[i];
                if (model is null) Fail(field, "missing");
                if (model!.State is not null && model.Result is not null)
                    Fail(field, "is either finished (result) or saved (state), not both");
                if (model.State is { } state) ValidateState(path, field + ".state", state, s, null);
                if (model.Result is { } result)
                {
                    if (result.Point is null || Array.FindIndex(result.Point, v => !double.IsFinite(v)) >= 0)
                        Fail(field + ".result.point", "is missing or holds a value that is not a finite number");
                    if (result.Iterations < 0) Fail(field + ".result.iterations", $"{result.Iterations} is negative");
                    if (!Enum.IsDefined(result.Exit) || result.Exit == ExitCondition.Interrupted)
                        Fail(field + ".result.exit", $"'{result.Exit}' is not how a finished model ends");
                    if (result.ExitReason is null || result.History is null)
                        Fail(field + ".result", "needs its exit reason and history");
                }
            }
        }
    }

    /// <summary>The data-independent checks of one solver state (<paramref name="field"/> names it).</summary>
    private void ValidateState(string path, string field, SolverState state, RecordedSettings s,
        CheckpointVectors? vectors)
    {
        void Fail(string name, string problem) =>
            throw new InputFileException(path, $"field {field}{name}: {problem}");
        if (state.Iteration < 0) Fail(".iteration", $"{state.Iteration} is negative");
        if (state.Position < 0 || state.Position >= Rows)
            Fail(".position", $"{state.Position} is not a row position of a file of {Rows} rows");
        if (state.Position != 0 && !SolverCatalog.Get(s.Solver!).Stochastic)
            Fail(".position", $"{state.Position}: only mini-batch solvers stop inside an iteration");
        if (vectors is { } v)
        {
            if (v.File is null || v.File.Length == 0 || v.File != Path.GetFileName(v.File))
                throw new InputFileException(path, "field vectors.file: must name a file beside the checkpoint");
            if (v.Dimension < 1 || v.Count < 1 || v.ChunkLength < 1 || v.Checksums is null)
                throw new InputFileException(path, "field vectors: needs a dimension, a count, a chunk length and " +
                    "checksums");
            if (state.Point is not { Length: 0 }) Fail(".point", "must be empty when the vectors are beside");
        }
        else if (state.Point is null || state.Point.Length == 0) Fail(".point", "missing");
        if (Array.FindIndex(state.Point!, v => !double.IsFinite(v)) is int bad and >= 0)
            Fail($".point[{bad}]", "is not a finite number");
        if (!double.IsFinite(state.InitialLoss)) Fail(".initialLoss", "is not a finite number");
        if (!(double.IsFinite(state.InitialGradientNorm) && state.InitialGradientNorm >= 0))
            Fail(".initialGradientNorm", "is not a finite, non-negative number");
        if (state.History is null) Fail(".history", "missing");
        for (int k = 0; k < state.History!.Count; k++)
        {
            var record = state.History[k];
            if (record is null || record.Iteration < 0 || record.Iteration > state.Iteration
                || !double.IsFinite(record.Loss)
                || (k > 0 && record.Iteration <= state.History[k - 1].Iteration))
                Fail($".history[{k}]", "is not a record of an iteration up to state.iteration, in order");
        }
        if (state.Auxiliary is { } auxiliary)
            for (int k = 0; k < auxiliary.Length; k++)
                if (auxiliary[k] is null || Array.FindIndex(auxiliary[k], v => !double.IsFinite(v)) >= 0)
                    Fail($".auxiliary[{k}]", "is missing or holds a value that is not a finite number");
    }

    /// <summary>The checks that need the problem: the point's length is the model's dimension, and the solver's own
    /// vectors are the ones its solver keeps, of that length (dcd's: a dual variable for each of the data's
    /// <paramref name="rows"/> rows); collective callers run it on every rank alike.</summary>
    /// <exception cref="InputFileException">A length or value does not fit.</exception>
    public void CheckState(string path, int dimension, long rows = 0)
    {
        if (State is not null) CheckSolverState(path, "state", State, Vectors, dimension, rows);
        if (ModelSearch is { } search)
            for (int i = 0; i < search.Models.Length; i++)
            {
                if (search.Models[i].State is { } state)
                    CheckSolverState(path, $"modelSearch.models[{i}].state", state, null, dimension, rows);
                if (search.Models[i].Result is { Point.Length: > 0 } result && result.Point.Length != dimension)
                    throw new InputFileException(path, $"field modelSearch.models[{i}].result.point: has " +
                        $"{result.Point.Length} values, but the model has {dimension} parameters");
            }
    }

    private void CheckSolverState(string path, string field, SolverState state, CheckpointVectors? vectors,
        int dimension, long rows)
    {
        void Fail(string name, string problem) =>
            throw new InputFileException(path, $"field {(name.StartsWith("vectors") ? "" : field)}{name}: {problem}");
        var solver = SolverCatalog.Get(Settings.Solver);
        // The lengths to check: θ and the solver's vectors of its length may be beside (their count there).
        int pointLength = state.Point.Length;
        var lengths = (state.Auxiliary ?? []).Select(a => a.Length).ToArray();
        if (vectors is { } beside)
        {
            if (beside.Dimension != dimension)
                Fail("vectors.dimension", $"{beside.Dimension}, but the model has {dimension} parameters");
            pointLength = dimension;
            if (solver.StateIsParameterVectors) lengths = Enumerable.Repeat(dimension, beside.Count - 1).ToArray();
        }
        if (pointLength != dimension)
            Fail(".point", $"has {pointLength} values, but the model has {dimension} parameters");
        (int Min, int Max, int Length) expected = solver.Kind switch
        {
            SolverKind.GradientDescent => (1, 1, 1),
            SolverKind.Momentum or SolverKind.Nesterov => (1, 1, dimension),
            SolverKind.Adam => (2, 2, dimension),
            SolverKind.Lbfgs => (0, 2 * Lbfgs.DefaultMemory, dimension),
            SolverKind.DualCoordinate => (2, 2, (int)rows),
            // Private sgd keeps its update rule's vectors (Training.Privacy.PrivateUpdate).
            SolverKind.Sgd when Settings.Privacy?.Update == Training.Privacy.PrivateUpdate.Momentum
                => (1, 1, dimension),
            SolverKind.Sgd when Settings.Privacy?.Update == Training.Privacy.PrivateUpdate.Adam => (2, 2, dimension),
            _ => (0, 0, 0),
        };
        if (lengths.Length < expected.Min || lengths.Length > expected.Max
            || (solver.Kind == SolverKind.Lbfgs && lengths.Length % 2 != 0))
            Fail(".auxiliary", $"has {lengths.Length} vectors; the {solver.Name} solver keeps " + (expected.Min
                == expected.Max ? $"{expected.Min}" : $"an even number up to {expected.Max}"));
        for (int k = 0; k < lengths.Length; k++)
        {
            // dcd: the dual variables of every row, then its three sums
            int length = solver.Kind == SolverKind.DualCoordinate && k == 1 ? 3 : expected.Length;
            if (lengths[k] != length)
                Fail($".auxiliary[{k}]", $"has {lengths[k]} values, not {length}");
        }
        if (solver.Kind == SolverKind.GradientDescent && !(state.Auxiliary![0][0] > 0))
            Fail(".auxiliary[0]", $"the step size {state.Auxiliary[0][0]} is not positive");
        if (vectors is null) CheckValues(path, state.Auxiliary ?? []);
    }

    /// <summary>The checks of the solver's vectors' values that their lengths do not cover (Adam's second moments
    /// are not negative), for vectors read from the state or from <see cref="Vectors"/> (then a rank's slices:
    /// <paramref name="auxiliary"/> without θ).</summary>
    /// <exception cref="InputFileException">A value does not fit.</exception>
    public void CheckValues(string path, double[][] auxiliary)
    {
        if (SolverCatalog.Get(Settings.Solver).Kind == SolverKind.Adam && auxiliary[1].Any(v => v < 0))
            throw new InputFileException(path, "field state.auxiliary[1]: Adam's second moments cannot be negative");
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
        Same("--balance", Settings.Balance ?? "none", settings.Balance ?? "none");
        Same("differential privacy", Settings.Privacy is null ? "off" : "on", settings.Privacy is null ? "off" : "on");
        if (Settings.Privacy is { } saved && settings.Privacy is { } now)
        {
            Same("--dp-noise (the noise multiplier used)", saved.NoiseMultiplier, now.NoiseMultiplier);
            Same("--dp-clip", saved.ClipNorm, now.ClipNorm);
            Same("--dp-delta", saved.Delta, now.Delta);
            Same("--dp-optimizer", saved.Update, now.Update);
        }
    }
}
