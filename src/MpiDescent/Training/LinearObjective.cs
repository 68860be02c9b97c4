using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// J(θ) = (1/W) Σᵢ cᵢ ℓ(xᵢ·w + b, yᵢ) + (λ₂/2)‖w‖² over all rows of all ranks, with θ = (w, b) (b only with an
/// intercept, never penalized), class weights cᵢ and W = Σ cᵢ (W = m without class weights). For the squared loss this is
/// 1/(2m) Σ (x·w + b − y)². Each rank sums its fixed row blocks; one reduction carries the gradient sums, the loss sum, a
/// count of non-finite block results and the run-control slots, so every rank sees the same totals and takes the same
/// decisions. The penalty is added once, after the reduction. Uneven slices stay exact: sums are divided by the global W.
/// </summary>
public sealed class LinearObjective : IStochasticObjective
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
    private readonly int _classes;
    private readonly int _penalized;
    private readonly double[] _intercepts;
    private readonly RowWeights? _weightsPerRow;
    private readonly double[] _gradientB;
    private readonly RunControl? _control;
    private readonly double[] _controlSlots = new double[RunControl.Slots];

    /// <summary>Creates the objective over <paramref name="shard"/>, whose rows start on a block boundary of
    /// <paramref name="partition"/> (collective). Binary losses expect labels −1/+1 (see <see cref="LabelCheck"/>).
    /// <paramref name="weights"/> carries a validation split; without it, row weights come from the settings' class
    /// weights and the file's example weights.</summary>
    public LinearObjective(DataShard shard, RowPartition partition, ICommunicator communicator, ObjectiveSettings settings, RunControl? control = null,
        RowWeights? weights = null)
    {
        // Class weights and weights stored in the file act through per-row weights; build them when not given
        // (collective, like the constructor's callers; null, without communication, when every weight is 1).
        _weightsPerRow = weights ?? RowWeights.Build(shard, settings, 0, communicator);
        if (shard.RowStart % partition.BlockRows != 0) throw new ArgumentException("the shard must start on a block boundary");
        _shard = shard;
        _communicator = communicator;
        _blockRows = partition.BlockRows;
        _features = shard.FeatureCount;
        _control = control;
        Settings = settings;
        _classes = settings.Loss == LossKind.Softmax ? settings.Classes : 1;
        _penalized = _classes * _features;
        Dimension = _penalized + (settings.FitIntercept ? _classes : 0);
        TotalWeight = _weightsPerRow?.TrainTotal ?? partition.Rows;
        Rows = partition.Rows;
        // Reduced layout: gradient sums, loss sum, validation loss sum, count of non-finite blocks, control slots.
        _sum = VectorSums.Create(settings.Summation, Dimension + 3 + RunControl.Slots);
        _block = new double[Dimension + 2];
        _totals = new double[Dimension + 3 + RunControl.Slots];
        _gradientW = new AlignedBuffer<double>(_penalized);
        _weights = new AlignedBuffer<double>(_penalized);
        _intercepts = new double[_classes];
        _gradientB = new double[_classes];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>How many leading parameters are penalized weights (d, or K·d for softmax); the intercepts follow.</summary>
    public int PenalizedCount => _penalized;

    /// <summary>Loss, intercept, penalty, class weights and summation.</summary>
    public ObjectiveSettings Settings { get; }

    /// <summary>W = Σ cᵢ, the divisor of the data term.</summary>
    public double TotalWeight { get; }

    /// <inheritdoc />
    public long Rows { get; }

    /// <inheritdoc />
    public double ValidationLoss { get; private set; } = double.NaN;

    /// <inheritdoc />
    public long Evaluations { get; private set; }

    /// <summary>Adds passes over these rows made by another objective (the step-size estimate), so that the counts in the
    /// history and report are the whole run's.</summary>
    public void CountPasses(long passes) => Evaluations += passes;

    /// <summary>Adds work done over these rows by another solver (the exact solve's pass and reduction) to
    /// <see cref="ComputeSeconds"/>, so that the report's timing is the whole run's.</summary>
    public void CountComputeSeconds(double seconds) => ComputeSeconds += seconds;

    /// <summary>Seconds spent in the local pass over this rank's rows.</summary>
    public double ComputeSeconds { get; private set; }

    /// <summary>Seconds spent in the reduction, waiting for other ranks included.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        LoadPoint(point);
        _sum.Clear();
        long nonFinite = 0;
        for (int first = 0; first < _shard.Rows; first += _blockRows)
        {
            int rows = Math.Min(_blockRows, _shard.Rows - first);
            BlockInto(_shard.FeatureRows.Slice(first, rows), _shard.Labels.AsSpan(first, rows), first, rows);
            if (!AllFinite(_block)) { nonFinite++; continue; }
            _sum.Add(_block);
        }
        Evaluations++;
        double value = Reduce(start, nonFinite, TotalWeight, point, gradient);
        if (_weightsPerRow?.Validation is not null) ValidationLoss = _totals[Dimension + 1] / _weightsPerRow.ValidationTotal;
        return value;
    }

    /// <inheritdoc />
    /// <remarks>Each sampled row goes through the same block pass as a block of one row. With class weights the batch is
    /// scaled by m/(W·|B|), an unbiased estimate of the full gradient that needs no reduction of the batch's weights
    /// (whose labels only their owning ranks know).</remarks>
    public double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        LoadPoint(point);
        _sum.Clear();
        long nonFinite = 0;
        foreach (long row in rows)
        {
            long local = row - _shard.RowStart;
            if (local < 0 || local >= _shard.Rows) continue;
            BlockInto(_shard.FeatureRows.Slice((int)local, 1), _shard.Labels.AsSpan((int)local, 1), (int)local, 1);
            _block[Dimension + 1] = 0; // the validation loss is measured by full evaluations only
            if (!AllFinite(_block)) { nonFinite++; continue; }
            _sum.Add(_block);
        }
        return Reduce(start, nonFinite, TotalWeight * rows.Length / Rows, point, gradient);
    }

    /// <summary>Copies the weights into the aligned buffer and the intercepts out of <paramref name="point"/>.</summary>
    private void LoadPoint(ReadOnlySpan<double> point)
    {
        point[.._penalized].CopyTo(_weights.Span);
        if (Settings.FitIntercept) point.Slice(_penalized, _classes).CopyTo(_intercepts);
    }

    /// <summary>One block's partial sums into <see cref="_block"/>: weight gradients, intercept gradients, loss,
    /// validation loss. <paramref name="first"/> and <paramref name="count"/> locate the rows for their weights.</summary>
    private void BlockInto(FeatureRows x, ReadOnlySpan<double> y, int first, int count)
    {
        var w = _weights.Span;
        var gradW = _gradientW.Span;
        ReadOnlySpan<double> train = _weightsPerRow is null ? default : _weightsPerRow.Train.AsSpan(first, count);
        ReadOnlySpan<double> validation = _weightsPerRow?.Validation is { } v ? v.AsSpan(first, count) : default;
        double loss, validationLoss;
        if (Settings.Loss == LossKind.Softmax)
        {
            (loss, validationLoss) = DenseKernels.SoftmaxBlock(x, y, w, _intercepts, _classes, gradW, _gradientB, train, validation);
        }
        else
        {
            double b = _intercepts[0];
            (loss, _gradientB[0], validationLoss) = Settings.Loss switch
            {
                LossKind.Squared => DenseKernels.LinearBlock<SquaredLoss>(x, y, w, b, gradW, train, validation),
                LossKind.Logistic => DenseKernels.LinearBlock<LogisticLoss>(x, y, w, b, gradW, train, validation),
                LossKind.Hinge => DenseKernels.LinearBlock<HingeLoss>(x, y, w, b, gradW, train, validation),
                _ => DenseKernels.LinearBlock<SquaredHingeLoss>(x, y, w, b, gradW, train, validation),
            };
        }
        gradW.CopyTo(_block);
        if (Settings.FitIntercept) _gradientB.CopyTo(_block.AsSpan(_penalized));
        _block[Dimension] = loss;
        _block[Dimension + 1] = validationLoss;
    }

    /// <summary>The one reduction of an evaluation: sums, control slots, timing, the agreed non-finite check, division by
    /// the weight, and the L2 penalty on the weights (never the intercept).</summary>
    private double Reduce(long start, long nonFinite, double divisor, ReadOnlySpan<double> point, Span<double> gradient)
    {
        _sum.Add(Dimension + 2, nonFinite);
        if (_control is not null)
        {
            _control.Contribute(_controlSlots);
            _sum.AddScaled(1.0, _controlSlots, Dimension + 3);
        }
        long reduceStart = Stopwatch.GetTimestamp();
        _sum.Allreduce(_communicator, _totals);
        _control?.Receive(_totals.AsSpan(Dimension + 3));
        ComputeSeconds += Stopwatch.GetElapsedTime(start, reduceStart).TotalSeconds;
        CommunicationSeconds += Stopwatch.GetElapsedTime(reduceStart).TotalSeconds;
        if (_totals[Dimension + 2] != 0)
            throw new NonFiniteValueException($"the loss or gradient overflowed (in {_totals[Dimension + 2]} row blocks or rows)");
        for (int k = 0; k < Dimension; k++) gradient[k] = _totals[k] / divisor;
        double value = _totals[Dimension] / divisor;
        double l2 = Settings.L2;
        if (l2 > 0)
        {
            var w = point[.._penalized];
            for (int j = 0; j < _penalized; j++) gradient[j] += l2 * w[j];
            value += 0.5 * l2 * DenseKernels.Dot(w, w);
        }
        return value;
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
