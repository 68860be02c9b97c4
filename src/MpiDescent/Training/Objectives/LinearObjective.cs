using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Model;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// J(θ) = (1/W) Σᵢ cᵢ ℓ(xᵢ·w + b, yᵢ) + (λ₂/2)‖w‖² over all rows of all ranks, with θ = (w, b) (b only with an
/// intercept, never penalized), class weights cᵢ and W = Σ cᵢ (W = m without class weights). For the squared loss this
/// is 1/(2m) Σ (x·w + b − y)². Each rank sums its fixed row blocks; one reduction carries the gradient sums, the loss
/// sum, a count of non-finite block results and the run-control slots, so every rank sees the same totals and takes the
/// same decisions. The penalty is added once, after the reduction. Uneven slices stay exact: sums are divided by the
/// global W. </summary>
public sealed class LinearObjective : IStochasticObjective, ISecondOrderObjective
{
    private readonly DataShard _shard;
    private readonly ICommunicator _communicator;
    private readonly int _blockRows;
    private readonly int _features;
    private readonly IVectorSum _sum;
    private readonly double[] _block;
    private readonly double[] _totals;
    private readonly AlignedBuffer<double> _gradientW;
    private readonly AlignedBuffer<double> _weights;
    private readonly ParameterLayout _layout;
    private readonly PassWorkspace _workspace;
    private readonly SoftmaxLoss _softmax;
    private readonly double[] _intercepts;
    private readonly RowWeights? _weightsPerRow;
    private readonly double[] _gradientB;
    private readonly RunControl? _control;
    private readonly double[] _controlSlots = new double[RunControl.Slots];
    private int _nonFiniteFirst = -1, _nonFiniteCount; // this rank's first non-finite block of the last evaluation
    private bool _blockFinite; // whether the last block's sums were finite (set by BlockInto)
    private long _batchNonFinite; // non-finite blocks of the batched pass in progress (ObjectiveBatch)
    private int[][]? _blockFeatures; // sparse rows: each fixed block's distinct features (DistinctFeaturesOfBlocks)
    private int[] _stashIndex = [];
    private double[] _stashValue = []; // a sparse block's partial sums, feature by feature (DepositSparse)
    private double[]? _nonFinitePoint; // the point of the last evaluation that overflowed
    private double[] _curvature = []; // Newton: each row's ℓ'' (softmax: K probabilities) at the Hessian's point
    private double[] _rowNumbers = []; // softmax Newton: the local row numbers, the labels of the Hessian pass
    private readonly int _tail; // where the loss and the other scalars follow the gradient in the sums
    private readonly BlockLayout? _segments; // partitioned: the slices, the last padded to the tail
    private readonly double[] _passPoint = []; // partitioned: the pass's θ (all of it, or the touched parameters)
    private readonly TouchedParameters? _touched; // partitioned sparse rows: the local θ of what they touch
    private readonly double[] _own = []; // partitioned sparse rows: the totals of this rank's slice
    private readonly ParameterLayout _global; // θ's layout (_layout is that of the pass: the local θ's, or θ's)
    private double _clipNorm; // > 0 only during a clipped sample (differentially private SGD)
    private readonly double[] _drawWeight = new double[1]; // a weighted draw's weight (class-balanced SGD)

    /// <summary>Creates the objective over <paramref name="shard"/>, whose rows start on a block boundary of
    /// <paramref name="partition"/> (collective). Binary losses expect labels −1/+1 (see <see
    /// cref="Preparation.LabelCheck"/>).
    /// <paramref name="weights"/> carries a validation split; without it, row weights come from the settings' class
    /// weights and the file's example weights. With <paramref name="partitionModel"/>, the points and gradients of
    /// <see cref="Evaluate"/> are this rank's slice of θ (<see cref="Space"/>): the point's slices are all-gathered
    /// before the pass and the gradient is reduce-scattered after it, with the totals' bits unchanged. With
    /// <paramref name="touchedFeatures"/> as well (sparse rows renumbered by
    /// <see cref="FeatureMatrix.RenumberFeatures"/>: each local feature's original index), the pass works on the
    /// parameters the rows touch alone, fetched from and returned to their owners (<see cref="TouchedParameters"/>).
    /// </summary>
    public LinearObjective(DataShard shard, RowPartition partition, ICommunicator communicator,
        ObjectiveSettings settings, RunControl? control = null,
        RowWeights? weights = null, bool partitionModel = false, int[]? touchedFeatures = null)
    {
        // Class weights and weights stored in the file act through per-row weights; build them when not given
        // (collective, like the constructor's callers; null, without communication, when every weight is 1).
        _weightsPerRow = weights ?? RowWeights.Build(shard, settings, 0, communicator);
        if (shard.RowStart % partition.BlockRows != 0) throw new ArgumentException("the shard must start on a " +
            "block boundary");
        _shard = shard;
        _communicator = Traffic = new TrafficCounter(communicator);
        _blockRows = partition.BlockRows;
        _features = shard.FeatureCount;
        _control = control;
        Settings = settings;
        _layout = _global = settings.LayoutFor(_features);
        int outputs = _layout.Outputs;
        Dimension = _layout.Dimension;
        Space = partitionModel ? ParameterSpace.Partitioned(Dimension, _communicator) : ParameterSpace.Whole(Dimension);
        _tail = Dimension;
        if (touchedFeatures is not null)
        {
            if (!partitionModel || !shard.Features.IsSparse || shard.Features.Features != touchedFeatures.Length)
                throw new ArgumentException("touched features need a partitioned model over renumbered sparse rows");
            _touched = new TouchedParameters(touchedFeatures, _global, Space, _communicator);
            _layout = _touched.Local;
            _features = touchedFeatures.Length;
            _tail = _layout.Dimension;
            _own = new double[Space.Length];
            _passPoint = new double[_tail];
        }
        else if (partitionModel)
        {
            // The exact sum's reduce-scatter takes whole groups of elements: the scalars start on a group boundary.
            _tail = (Dimension + ExactVectorSum.GroupElements - 1) / ExactVectorSum.GroupElements
                * ExactVectorSum.GroupElements;
            var counts = Space.Slices.Counts.ToArray();
            counts[Array.FindLastIndex(counts, c => c > 0)] += _tail - Dimension; // θ has a parameter, so a slice
            _segments = new BlockLayout(counts);
            _passPoint = new double[Dimension];
        }
        _workspace = new PassWorkspace(outputs);
        if (settings.Loss.IsMultiClass()) _softmax = new SoftmaxLoss(outputs);
        TotalWeight = _weightsPerRow?.TrainTotal ?? partition.Rows;
        Rows = partition.Rows;
        // Reduced layout: gradient sums, loss sum, validation loss sum, count of non-finite blocks, control slots.
        int reduced = _tail + 3 + RunControl.Slots;
        _sum = shard.Features.IsSparse ? VectorSums.CreateSparse(settings.Summation, reduced)
            : VectorSums.Create(settings.Summation, reduced);
        _block = new double[_tail + 2];
        _totals = new double[reduced];
        _gradientW = new AlignedBuffer<double>(_layout.WeightCount);
        _weights = new AlignedBuffer<double>(_layout.WeightCount);
        _intercepts = new double[outputs];
        _gradientB = new double[outputs];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Where each parameter lives in θ.</summary>
    public ParameterLayout Layout => _global;

    /// <inheritdoc />
    public ParameterSpace Space { get; }

    /// <summary>What this objective's collectives (and its space's) have moved so far.</summary>
    public TrafficCounter Traffic { get; }

    /// <summary>The bytes of the buffer a rank hands to the all-reduce of one evaluation when θ is replicated (the
    /// gradient's sums and the scalars after them).</summary>
    public long ReplicatedAllreduceBytes => VectorSums.AllreduceBytes(Settings.Summation, _shard.Features.IsSparse,
        Dimension + 3 + RunControl.Slots);

    /// <summary>Loss, intercept, penalty, class weights and summation.</summary>
    public ObjectiveSettings Settings { get; }

    /// <summary>This rank's rows' training weights cᵢ (class weights, the file's weights; 0 for validation rows), or
    /// empty when every weight is 1.</summary>
    public ReadOnlySpan<double> RowTrainWeights => _weightsPerRow is null ? default : _weightsPerRow.Train;

    /// <summary>W = Σ cᵢ, the divisor of the data term.</summary>
    public double TotalWeight { get; }

    /// <inheritdoc />
    public long Rows { get; }

    /// <inheritdoc />
    public double ValidationLoss { get; private set; } = double.NaN;

    /// <inheritdoc />
    public long Evaluations { get; private set; }

    /// <summary>Adds passes over these rows made by another objective (the step-size estimate), so that the counts in
    /// the history and report are the whole run's.</summary>
    public void CountPasses(long passes) => Evaluations += passes;

    /// <summary>Adds work done over these rows by another solver (the exact solve's pass and reduction) to
    /// <see cref="ComputeSeconds"/>, so that the report's timing is the whole run's.</summary>
    public void CountComputeSeconds(double seconds) => ComputeSeconds += seconds;

    /// <summary>Seconds spent in the local pass over this rank's rows.</summary>
    public double ComputeSeconds { get; private set; }

    /// <summary>Seconds spent in the reduction, waiting for other ranks included.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        var pass = PassPoint(point);
        long nonFinite = PassOverBlocks(pass, BlockMode.Full);
        double value = Reduce(start, nonFinite, TotalWeight, pass, point, gradient);
        if (_weightsPerRow?.Validation is not null)
            ValidationLoss = _totals[_tail + 1] / _weightsPerRow.ValidationTotal;
        return value;
    }

    /// <inheritdoc />
    /// <remarks>Each sampled row goes through the same block pass as a block of one row. With class weights the batch
    /// is scaled by m/(W·|B|), an unbiased estimate of the full gradient that needs no reduction of the batch's weights
    /// (whose labels only their owning ranks know).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient)
    {
        RequireReplicated("mini-batch gradients");
        long start = Stopwatch.GetTimestamp();
        LoadPoint(point);
        _sum.Clear();
        long nonFinite = 0;
        _nonFiniteFirst = -1;
        foreach (long row in rows)
        {
            long local = row - _shard.RowStart;
            if (local < 0 || local >= _shard.Rows) continue;
            var block = new BlockVisitor(this, (int)local, BlockMode.Sample);
            _shard.Features.Accept(ref block, (int)local, 1);
            if (!_blockFinite) NoteNonFinite((int)local, 1, ref nonFinite);
        }
        return Reduce(start, nonFinite, TotalWeight * rows.Length / Rows, point, point, gradient);
    }

    /// <inheritdoc />
    /// <remarks>Each draw goes through the block pass as a block of one row whose weight is its factor times its
    /// training weight cᵢ.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double EvaluateWeightedSample(ReadOnlySpan<double> point, ReadOnlySpan<int> localRows,
        ReadOnlySpan<double> factors, long draws, Span<double> gradient)
    {
        RequireReplicated("mini-batch gradients");
        if (factors.Length != localRows.Length) throw new ArgumentException("one factor per row", nameof(factors));
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        long start = Stopwatch.GetTimestamp();
        long nonFinite = SampleInto(point, localRows, BlockMode.WeightedSample, factors);
        return Reduce(start, nonFinite, TotalWeight * draws, point, point, gradient);
    }

    /// <summary>The sums of the listed local rows, each as a block of one row (a sample's, or with <see
    /// cref="BlockMode.WeightedSample"/> a weighted draw's: <paramref name="factors"/>[k] times the row's training
    /// weight), into the cleared sum; returns the count of non-finite rows.</summary>
    private long SampleInto(ReadOnlySpan<double> point, ReadOnlySpan<int> localRows, BlockMode mode,
        ReadOnlySpan<double> factors = default)
    {
        LoadPoint(point);
        _sum.Clear();
        long nonFinite = 0;
        _nonFiniteFirst = -1;
        var train = RowTrainWeights;
        for (int k = 0; k < localRows.Length; k++)
        {
            int local = localRows[k];
            if (mode == BlockMode.WeightedSample) _drawWeight[0] = factors[k] * (train.IsEmpty ? 1 : train[local]);
            var block = new BlockVisitor(this, local, mode);
            _shard.Features.Accept(ref block, local, 1);
            if (!_blockFinite) NoteNonFinite(local, 1, ref nonFinite);
        }
        return nonFinite;
    }

    /// <summary>The noisy gradient of differentially private SGD (collective): each listed local row's gradient is
    /// clipped to norm <paramref name="clipNorm"/> (<see cref="LinearPass"/>), the clipped sums are reduced, <paramref
    /// name="noise"/> (the same on every rank) is added to the sums, and the result is divided by <paramref
    /// name="divisor"/> (the expected batch size q·m), with the L2 penalty's gradient added after. Returns the batch's
    /// mean loss (unclipped, not private).</summary>
    /// <param name="point">θ.</param>
    /// <param name="localRows">This rank's rows of the batch, 0-based in its slice.</param>
    /// <param name="clipNorm">C.</param>
    /// <param name="noise">The noise of every parameter, added to the sums.</param>
    /// <param name="divisor">What the noisy sum is divided by.</param>
    /// <param name="gradient">Receives the noisy gradient.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double EvaluateClippedSample(ReadOnlySpan<double> point, ReadOnlySpan<int> localRows, double clipNorm,
        ReadOnlySpan<double> noise, double divisor, Span<double> gradient)
    {
        RequireReplicated("private mini-batch gradients");
        if (!(clipNorm > 0)) throw new ArgumentOutOfRangeException(nameof(clipNorm), "the clip norm is positive");
        if (noise.Length != Dimension) throw new ArgumentException("one noise value per parameter", nameof(noise));
        long start = Stopwatch.GetTimestamp();
        long nonFinite;
        _clipNorm = clipNorm;
        try { nonFinite = SampleInto(point, localRows, BlockMode.Sample); }
        finally { _clipNorm = 0; }
        Reduce(start, nonFinite, divisor, point, point, gradient, noise);
        return _totals[_tail] / divisor;
    }

    /// <inheritdoc />
    /// <remarks>One pass: each row's second derivative is kept (m doubles per rank, K·m for softmax) for the products
    /// that follow, and the diagonal's sums are reduced like a gradient's; λ₂ is added to the weights'
    /// entries.</remarks>
    public void PrepareHessian(ReadOnlySpan<double> point, Span<double> diagonal)
    {
        RequireReplicated("the Hessian");
        if (Settings.Loss == LossKind.Hinge)
            throw new NotSupportedException("the hinge loss has no Hessian (use --loss squared-hinge)");
        int perRow = _layout.Outputs; // ℓ'' per row, or softmax's K probabilities
        if (_curvature.Length != _shard.Rows * perRow) _curvature = new double[_shard.Rows * perRow];
        if (perRow > 1 && _rowNumbers.Length != _shard.Rows)
        {
            _rowNumbers = new double[_shard.Rows];
            for (int i = 0; i < _rowNumbers.Length; i++) _rowNumbers[i] = i;
        }
        SecondOrderPass(point, diagonal, BlockMode.Curvature);
        double l2 = Settings.L2;
        for (int j = 0; j < _layout.WeightCount; j++) diagonal[j] += l2;
    }

    /// <inheritdoc />
    public void HessianVector(ReadOnlySpan<double> direction, Span<double> product)
    {
        if (_curvature.Length == 0) throw new InvalidOperationException("PrepareHessian first");
        SecondOrderPass(direction, product, BlockMode.HessianProduct);
        double l2 = Settings.L2;
        var v = _layout.Weights(direction);
        for (int j = 0; j < v.Length; j++) product[j] += l2 * v[j];
    }

    /// <summary>One pass of <paramref name="mode"/> over every block with <paramref name="vector"/> as the weights,
    /// and its reduction, divided by W, into <paramref name="result"/>.</summary>
    private void SecondOrderPass(ReadOnlySpan<double> vector, Span<double> result, BlockMode mode)
    {
        long start = Stopwatch.GetTimestamp();
        long nonFinite = PassOverBlocks(vector, mode);
        ReduceSums(start, nonFinite, vector);
        for (int k = 0; k < Dimension; k++) result[k] = _totals[k] / TotalWeight;
    }

    /// <summary>One full pass of <paramref name="mode"/> over this rank's blocks at <paramref name="point"/> into the
    /// cleared sum (counted in <see cref="Evaluations"/>); returns the number of blocks whose sums were not
    /// finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long PassOverBlocks(ReadOnlySpan<double> point, BlockMode mode)
    {
        LoadPoint(point);
        _sum.Clear();
        long nonFinite = 0;
        _nonFiniteFirst = -1;
        for (int first = 0; first < _shard.Rows; first += _blockRows) PassBlock(first, mode, ref nonFinite);
        Evaluations++;
        return nonFinite;
    }

    /// <summary>The block of rows starting at local row <paramref name="first"/> into the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PassBlock(int first, BlockMode mode, ref long nonFinite)
    {
        var block = new BlockVisitor(this, first, mode);
        int count = Math.Min(_blockRows, _shard.Rows - first);
        _shard.Features.Accept(ref block, first, count);
        if (!_blockFinite) NoteNonFinite(first, count, ref nonFinite);
    }

    /// <summary>This rank's rows.</summary>
    internal DataShard Shard => _shard;

    /// <summary>Rows per fixed block.</summary>
    internal int BlockRows => _blockRows;

    /// <summary>Batched evaluation (<see cref="ObjectiveBatch"/>), step 1: loads <paramref name="point"/> (all of θ)
    /// and clears the sum for a pass whose blocks <see cref="BatchedBlock"/> adds one by one.</summary>
    internal void BeginBatchedPass(ReadOnlySpan<double> point)
    {
        RequireReplicated("batched evaluations");
        LoadPoint(point);
        _sum.Clear();
        _nonFiniteFirst = -1;
        _batchNonFinite = 0;
    }

    /// <summary>Batched evaluation, step 2: the block of rows starting at local row <paramref name="first"/>, as
    /// <see cref="Evaluate"/> adds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void BatchedBlock(int first) => PassBlock(first, BlockMode.Full, ref _batchNonFinite);

    /// <summary>Batched evaluation, step 3: counts the pass and completes the sum with the non-finite count and the
    /// control slots; returns it for one reduction with the other members' sums into <see cref="ReducedTotals"/>.
    /// </summary>
    internal IVectorSum EndBatchedPass()
    {
        Evaluations++;
        PrepareSums(_batchNonFinite);
        return _sum;
    }

    /// <summary>Where the batch's reduction writes this objective's totals.</summary>
    internal double[] ReducedTotals => _totals;

    /// <summary>Batched evaluation, step 4, after the reduction: what <see cref="Evaluate"/> returns and writes at
    /// <paramref name="point"/>, from the reduced totals (throws the agreed <see cref="NonFiniteValueException"/> as
    /// it does).</summary>
    internal double CompleteBatchedEvaluation(ReadOnlySpan<double> point, Span<double> gradient)
    {
        AcceptTotals(point);
        double value = FromTotals(TotalWeight, point, gradient);
        if (_weightsPerRow?.Validation is not null)
            ValidationLoss = _totals[_tail + 1] / _weightsPerRow.ValidationTotal;
        return value;
    }

    /// <summary>This rank's slice's totals after <see cref="ReduceSums"/> (all of θ's when replicated).</summary>
    private Span<double> Own => _touched is not null ? _own : _totals.AsSpan(Space.Start, Space.Length);

    /// <summary>The θ of the pass from this rank's part of it: the point itself when replicated, else the slices
    /// all-gathered, or the touched parameters fetched from their owners (counted as communication).</summary>
    private ReadOnlySpan<double> PassPoint(ReadOnlySpan<double> point)
    {
        if (!Space.IsPartitioned) return point;
        long start = Stopwatch.GetTimestamp();
        if (_touched is not null) _touched.Fetch(point, _passPoint);
        else Space.Gather(point, _passPoint);
        CommunicationSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
        return _passPoint;
    }

    private void RequireReplicated(string what)
    {
        if (Space.IsPartitioned)
            throw new NotSupportedException($"a partitioned model (--partition-model) has no {what}");
    }

    /// <summary>Copies the weights into the aligned buffer and the intercepts out of <paramref
    /// name="point"/>.</summary>
    private void LoadPoint(ReadOnlySpan<double> point)
    {
        _layout.Weights(point).CopyTo(_weights.Span);
        _layout.CopyIntercepts(point, _intercepts);
    }

    /// <summary>What a block's partial sums are for: the sum of a full evaluation, that of a sample (without the
    /// validation loss, which full evaluations measure), that of a weighted draw (a sample's, with the row's weight
    /// in <see cref="_drawWeight"/>), only the finiteness check, the Hessian's diagonal (keeping
    /// the rows' curvature), or a Hessian-vector product.</summary>
    private enum BlockMode { Full, Sample, WeightedSample, Probe, Curvature, HessianProduct }

    /// <summary>Hands a block of rows, in its storage layout, to <see cref="BlockInto{TRows}"/>.</summary>
    private readonly struct BlockVisitor(LinearObjective owner, int first, BlockMode mode) : IRowBlockVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            owner.BlockInto(rows, first, mode);
    }

    /// <summary>One block's partial sums (weight gradients, intercept gradients, loss, validation loss) into the sum,
    /// unless one is not finite (<see cref="_blockFinite"/> says which). <paramref name="first"/> locates the rows for
    /// their labels and weights. A dense block's sums go in as one vector; a sparse block's only where its rows have
    /// entries, which are then zeroed again, so that the pass costs the nonzeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BlockInto<TRows>(TRows x, int first, BlockMode mode) where TRows : IRowBlock, allows ref struct
    {
        int count = x.Count;
        var y = _shard.Labels.AsSpan(first, count);
        var w = _weights.Span;
        var gradW = _gradientW.Span;
        ReadOnlySpan<double> train = mode == BlockMode.WeightedSample ? _drawWeight
            : _weightsPerRow is null ? default : _weightsPerRow.Train.AsSpan(first, count);
        ReadOnlySpan<double> validation = _weightsPerRow?.Validation is { } v ? v.AsSpan(first, count) : default;
        var (b, gradB, work) = (_intercepts, _gradientB, _workspace);
        var (loss, validationLoss) = mode switch
        {
            BlockMode.Curvature => CurvatureInto(x, first, y, w, gradW, train),
            BlockMode.HessianProduct => _layout.Outputs == 1
                ? LinearPass.Run(default(CurvatureProduct), x, _curvature.AsSpan(first, count), w, b, gradW, gradB,
                    work, train)
                : LinearPass.Run(new SoftmaxCurvatureProduct(_curvature, _layout.Outputs), x,
                    _rowNumbers.AsSpan(first, count), w, b, gradW, gradB, work, train),
            _ => DataTermInto(x, y, w, gradW, train, validation),
        };
        if (mode is BlockMode.Sample or BlockMode.WeightedSample) validationLoss = 0;
        if (x.IsSparse)
        {
            // A block of several rows deposits each distinct feature once, in increasing order (the sums do not
            // depend on the order; the state of a wide sum is then swept rather than hit at random).
            var distinct = count > 1 && first % _blockRows == 0
                ? (_blockFeatures ??= _shard.Features.DistinctFeaturesOfBlocks(_blockRows))?[first / _blockRows] : null;
            _blockFinite = DepositSparse(distinct ?? x.StoredIndices, loss, validationLoss, mode != BlockMode.Probe);
            return;
        }
        gradW.CopyTo(_block);
        if (Settings.FitIntercept) _gradientB.CopyTo(_block.AsSpan(_layout.WeightCount));
        _block[_tail] = loss;
        _block[_tail + 1] = validationLoss;
        _blockFinite = AllFinite(_block);
        if (_blockFinite && mode != BlockMode.Probe) _sum.Add(_block);
    }

    /// <summary>The data term's pass over a block: its loss, validation loss and gradient sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double Loss, double Validation) DataTermInto<TRows>(TRows x, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, Span<double> gradW, ReadOnlySpan<double> train, ReadOnlySpan<double> validation)
        where TRows : IRowBlock, allows ref struct
    {
        var (b, gradB, work) = (_intercepts, _gradientB, _workspace);
        double clip = _clipNorm;
        bool withIntercept = Settings.FitIntercept;
        return Settings.Loss switch
        {
            LossKind.Squared => LinearPass.Run(default(SquaredLoss), x, y, w, b, gradW, gradB, work, train, validation,
                clip, withIntercept),
            LossKind.Logistic => LinearPass.Run(default(LogisticLoss), x, y, w, b, gradW, gradB, work, train,
                validation, clip, withIntercept),
            LossKind.Hinge => LinearPass.Run(default(HingeLoss), x, y, w, b, gradW, gradB, work, train, validation,
                clip, withIntercept),
            LossKind.SquaredHinge => LinearPass.Run(default(SquaredHingeLoss), x, y, w, b, gradW, gradB, work, train,
                validation, clip, withIntercept),
            _ => LinearPass.Run(_softmax, x, y, w, b, gradW, gradB, work, train, validation, clip, withIntercept),
        };
    }

    /// <summary>The Hessian's pass over a block: the rows' curvature kept, the diagonal's sums into the gradient
    /// buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double Loss, double Validation) CurvatureInto<TRows>(TRows x, int first, ReadOnlySpan<double> y,
        ReadOnlySpan<double> w, Span<double> diagonalW, ReadOnlySpan<double> train)
        where TRows : IRowBlock, allows ref struct
    {
        int count = x.Count, perRow = _layout.Outputs;
        var curvature = _curvature.AsSpan(first * perRow, count * perRow);
        var (b, diagonalB, work) = (_intercepts, _gradientB, _workspace);
        switch (Settings.Loss)
        {
            case LossKind.Squared:
                CurvaturePass.Run(default(SquaredLoss), x, y, w, b, curvature, diagonalW, diagonalB, work, train);
                break;
            case LossKind.Logistic:
                CurvaturePass.Run(default(LogisticLoss), x, y, w, b, curvature, diagonalW, diagonalB, work, train);
                break;
            case LossKind.SquaredHinge:
                CurvaturePass.Run(default(SquaredHingeLoss), x, y, w, b, curvature, diagonalW, diagonalB, work,
                    train);
                break;
            default:
                CurvaturePass.Run(_softmax, x, y, w, b, curvature, diagonalW, diagonalB, work, train);
                break;
        }
        return (0, 0);
    }

    /// <summary>A sparse block's sums: one pass over the features its rows touched (<paramref name="touched"/>, for
    /// every output; distinct, or with repeats) moves each feature's partial sum out of the gradient buffer, which it
    /// leaves zero: into a windowed sum directly (<see cref="WindowedVectorSum.TakeNonzeros"/>), or else into a compact
    /// list, checked, and deposited when all are finite and <paramref name="deposit"/>. A feature shared by several
    /// rows of the block is deposited once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool DepositSparse(ReadOnlySpan<int> touched, double loss, double validationLoss, bool deposit)
    {
        var g = _gradientW.Span;
        int d = _features, outputs = _layout.Outputs;
        bool finite = IsSummable(loss) && IsSummable(validationLoss);
        foreach (var b in _gradientB) finite &= IsSummable(b);
        if (deposit && _sum is WindowedVectorSum taking)
        {
            // Straight from the gradient buffer into the windowed sum, without a list in between. A block that is
            // not finite leaves part of its sums deposited: its evaluation fails on every rank (AcceptTotals).
            for (int k = 0; k < outputs; k++)
                finite &= taking.TakeNonzeros(g.Slice(k * d, d), touched, k * d, OverflowBound);
            if (finite) DepositTail(loss, validationLoss);
            return finite;
        }
        if (_stashIndex.Length < touched.Length * outputs)
        {
            _stashIndex = new int[Math.Max(touched.Length * outputs, 2 * _stashIndex.Length)];
            _stashValue = new double[_stashIndex.Length];
        }
        int count = 0;
        for (int k = 0; k < outputs; k++)
        {
            var gk = g.Slice(k * d, d);
            int offset = k * d;
            foreach (int j in touched)
            {
                double v = gk[j];
                if (v == 0) continue; // zero, or already taken for an earlier row with this feature
                gk[j] = 0;
                finite &= IsSummable(v);
                _stashIndex[count] = offset + j;
                _stashValue[count++] = v;
            }
        }
        if (!(deposit && finite)) return finite;
        for (int e = 0; e < count; e++) _sum.Add(_stashIndex[e], _stashValue[e]);
        DepositTail(loss, validationLoss);
        return true;
    }

    /// <summary>A sparse block's intercept sums, loss and validation loss, after its features' sums.</summary>
    private void DepositTail(double loss, double validationLoss)
    {
        if (Settings.FitIntercept)
            for (int k = 0; k < _layout.Outputs; k++) _sum.Add(_layout.WeightCount + k, _gradientB[k]);
        _sum.Add(_tail, loss);
        _sum.Add(_tail + 1, validationLoss);
    }

    private static bool IsSummable(double v) => double.IsFinite(v) && Math.Abs(v) < OverflowBound;

    /// <summary>The one reduction of an evaluation: sums, control slots, timing, the agreed non-finite check, division
    /// by the weight, and the L2 penalty on the weights (never the intercept). <paramref name="pass"/> is the θ the
    /// pass used, <paramref name="point"/> and <paramref name="gradient"/> this rank's part of θ
    /// (<see cref="Space"/>); <paramref name="noise"/>, when given, is added to the sums before the division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Reduce(long start, long nonFinite, double divisor, ReadOnlySpan<double> pass,
        ReadOnlySpan<double> point, Span<double> gradient, ReadOnlySpan<double> noise = default)
    {
        ReduceSums(start, nonFinite, pass);
        return FromTotals(divisor, point, gradient, noise);
    }

    /// <summary>The value and gradient from the reduced totals: division by the weight (after adding <paramref
    /// name="noise"/>, when given) and the L2 penalty.</summary>
    private double FromTotals(double divisor, ReadOnlySpan<double> point, Span<double> gradient,
        ReadOnlySpan<double> noise = default)
    {
        var own = Own;
        if (noise.IsEmpty)
            for (int k = 0; k < own.Length; k++) gradient[k] = own[k] / divisor;
        else
            for (int k = 0; k < own.Length; k++) gradient[k] = (own[k] + noise[k]) / divisor;
        double value = _totals[_tail] / divisor;
        double l2 = Settings.L2;
        if (l2 > 0)
        {
            var w = point[..Space.LocalCountBefore(_global.WeightCount)];
            for (int j = 0; j < w.Length; j++) gradient[j] += l2 * w[j];
            value += 0.5 * l2 * Space.SquaredNormBefore(point, _global.WeightCount);
        }
        return value;
    }

    /// <summary>The reduction of a pass's sums into <see cref="_totals"/>, with the control slots, the timing and the
    /// agreed non-finite check (which remembers <paramref name="point"/>).</summary>
    private void ReduceSums(long start, long nonFinite, ReadOnlySpan<double> point)
    {
        PrepareSums(nonFinite);
        long reduceStart = Stopwatch.GetTimestamp();
        if (_touched is not null)
        {
            _touched.Return(_sum, _own);
            _sum.AllreduceRange(_communicator, _tail, _totals.AsSpan(_tail));
        }
        else if (_segments is null) _sum.Allreduce(_communicator, _totals);
        else _sum.ReduceScatter(_communicator, _segments, _totals.AsSpan(Space.Start), _totals.AsSpan(_tail));
        ComputeSeconds += Stopwatch.GetElapsedTime(start, reduceStart).TotalSeconds;
        CommunicationSeconds += Stopwatch.GetElapsedTime(reduceStart).TotalSeconds;
        AcceptTotals(point);
    }

    /// <summary>The scalars a pass adds to its sums before the reduction: the count of non-finite blocks and the
    /// control slots.</summary>
    private void PrepareSums(long nonFinite)
    {
        _sum.Add(_tail + 2, nonFinite);
        if (_control is null) return;
        _control.Contribute(_controlSlots);
        _sum.AddScaled(1.0, _controlSlots, _tail + 3);
    }

    /// <summary>After the reduction: the control slots, and the agreed non-finite check (which remembers <paramref
    /// name="point"/>).</summary>
    private void AcceptTotals(ReadOnlySpan<double> point)
    {
        _control?.Receive(_totals.AsSpan(_tail + 3));
        if (_totals[_tail + 2] != 0)
        {
            _nonFinitePoint ??= new double[point.Length];
            point.CopyTo(_nonFinitePoint);
            throw new NonFiniteValueException($"the loss or gradient overflowed (in {_totals[_tail + 2]} row " +
                $"blocks or rows)");
        }
    }

    private void NoteNonFinite(int first, int count, ref long nonFinite)
    {
        if (nonFinite++ == 0) (_nonFiniteFirst, _nonFiniteCount) = (first, count);
    }

    /// <inheritdoc />
    /// <remarks>Re-evaluates, one row at a time, each rank's first block that overflowed at the last such point, and
    /// agrees on the first row of all: three small reductions, made only when a run ends on an overflow.</remarks>
    public string DescribeNonFinite()
    {
        if (_nonFinitePoint is null) return "";
        foreach (var v in _nonFinitePoint)
            if (!double.IsFinite(v)) return "the weights themselves are not finite";
        long local = long.MaxValue;
        bool wholeBlock = false;
        if (_nonFiniteFirst >= 0)
        {
            LoadPoint(_nonFinitePoint);
            for (int row = _nonFiniteFirst; row < _nonFiniteFirst + _nonFiniteCount && local == long.MaxValue; row++)
            {
                var block = new BlockVisitor(this, row, BlockMode.Probe);
                _shard.Features.Accept(ref block, row, 1);
                if (!_blockFinite) local = row;
            }
            if (local == long.MaxValue) (local, wholeBlock) = (_nonFiniteFirst, true);
        }
        long mine = local == long.MaxValue ? long.MaxValue : _shard.RowStart + local;
        Span<long> first = [mine];
        _communicator.Allreduce(first, ReduceOperation.Min);
        if (first[0] == long.MaxValue) return "";
        bool owner = mine == first[0];
        Span<int> rank = [owner ? _communicator.Rank : int.MaxValue];
        _communicator.Allreduce(rank, ReduceOperation.Min);
        owner &= rank[0] == _communicator.Rank;
        Span<double> facts = [0, 0, 0];
        if (owner)
        {
            var x = new double[_features];
            int at = (int)local;
            var copy = new RowCopier(x);
            _shard.Features.Accept(ref copy, at, 1);
            facts[0] = _shard.Labels[at];
            foreach (var v in x) facts[1] = Math.Max(facts[1], Math.Abs(v));
            facts[2] = wholeBlock ? 1 : 0;
        }
        _communicator.Allreduce(facts, ReduceOperation.Sum);
        string what = facts[2] != 0 ? $"the sum over the block of rows starting at row {first[0] + 1}"
            : $"row {first[0] + 1}";
        return string.Create(CultureInfo.InvariantCulture, $"{what} of {_shard.Path} (read by rank {rank[0]}; label " +
            $"{facts[0]:G6}, largest |feature| {facts[1]:G6}) is the first whose loss or gradient is not finite");
    }

    /// <summary>Copies the first row of a block into a dense buffer.</summary>
    private readonly struct RowCopier(double[] destination) : IRowBlockVisitor
    {
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct => rows.CopyRow(0, destination);
    }

    /// <summary>2^200: block results beyond it count as overflow (the exact sum's window ends at 2^244).</summary>
    private const double OverflowBound = 1.6069380442589903E+60;

    internal static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v) || Math.Abs(v) >= OverflowBound) return false;
        return true;
    }
}
