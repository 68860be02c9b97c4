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
    private readonly AlignedBuffer _gradientW;
    private readonly AlignedBuffer _weights;
    private readonly RunControl? _control;
    private readonly double[] _controlSlots = new double[RunControl.Slots];

    /// <summary>Creates the objective over <paramref name="shard"/>, whose rows start on a block boundary of
    /// <paramref name="partition"/>. Binary losses expect labels −1/+1 (see <see cref="LabelCheck"/>).</summary>
    public LinearObjective(DataShard shard, RowPartition partition, ICommunicator communicator, ObjectiveSettings settings, RunControl? control = null)
    {
        if (shard.RowStart % partition.BlockRows != 0) throw new ArgumentException("the shard must start on a block boundary");
        _shard = shard;
        _communicator = communicator;
        _blockRows = partition.BlockRows;
        _features = shard.FeatureCount;
        _control = control;
        Settings = settings;
        Dimension = _features + (settings.FitIntercept ? 1 : 0);
        TotalWeight = settings.TotalWeight ?? partition.Rows;
        Rows = partition.Rows;
        // Reduced layout: gradient sums, loss sum, count of non-finite blocks, control slots.
        _sum = VectorSums.Create(settings.Summation, Dimension + 2 + RunControl.Slots);
        _block = new double[Dimension + 2];
        _totals = new double[Dimension + 2 + RunControl.Slots];
        _gradientW = new AlignedBuffer(_features);
        _weights = new AlignedBuffer(_features);
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Loss, intercept, penalty, class weights and summation.</summary>
    public ObjectiveSettings Settings { get; }

    /// <summary>W = Σ cᵢ, the divisor of the data term.</summary>
    public double TotalWeight { get; }

    /// <inheritdoc />
    public long Rows { get; }

    /// <inheritdoc />
    public long Evaluations { get; private set; }

    /// <summary>Seconds spent in the local pass over this rank's rows.</summary>
    public double ComputeSeconds { get; private set; }

    /// <summary>Seconds spent in the reduction, waiting for other ranks included.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        var w = _weights.Span;
        point[.._features].CopyTo(w);
        double b = Settings.FitIntercept ? point[_features] : 0.0;
        _sum.Clear();
        long nonFinite = 0;
        var gradW = _gradientW.Span;
        for (int first = 0; first < _shard.Rows; first += _blockRows)
        {
            int rows = Math.Min(_blockRows, _shard.Rows - first);
            var (loss, derivative) = Block(_shard.Features.Slice(first * _features, rows * _features), _shard.Labels.AsSpan(first, rows), w, b, gradW);
            gradW.CopyTo(_block);
            if (Settings.FitIntercept) _block[_features] = derivative;
            _block[Dimension] = loss;
            if (!AllFinite(_block.AsSpan(0, Dimension + 1))) { nonFinite++; continue; }
            _sum.Add(_block.AsSpan(0, Dimension + 1));
        }
        Evaluations++;
        return Reduce(start, nonFinite, TotalWeight, point, gradient);
    }

    private (double Loss, double Derivative) Block(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> w, double b, Span<double> g)
    {
        double neg = Settings.NegativeClassWeight, pos = Settings.PositiveClassWeight;
        return Settings.Loss switch
        {
            LossKind.Squared => DenseKernels.LinearBlock<SquaredLoss>(x, y, w, b, g),
            LossKind.Logistic => DenseKernels.LinearBlock<LogisticLoss>(x, y, w, b, g, neg, pos),
            LossKind.Hinge => DenseKernels.LinearBlock<HingeLoss>(x, y, w, b, g, neg, pos),
            _ => DenseKernels.LinearBlock<SquaredHingeLoss>(x, y, w, b, g, neg, pos),
        };
    }

    /// <inheritdoc />
    /// <remarks>With class weights the batch is scaled by m/(W·|B|), an unbiased estimate of the full gradient that needs no
    /// reduction of the batch's weights (whose labels only their owning ranks know).</remarks>
    public double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        var w = point[.._features];
        double b = Settings.FitIntercept ? point[_features] : 0.0;
        _sum.Clear();
        long nonFinite = 0;
        foreach (long row in rows)
        {
            long local = row - _shard.RowStart;
            if (local < 0 || local >= _shard.Rows) continue;
            var x = _shard.Features.Slice((int)local * _features, _features);
            double label = _shard.Labels[local];
            var (value, derivative) = PerExample(DenseKernels.Dot(x, w) + b, label);
            for (int j = 0; j < _features; j++) _block[j] = derivative * x[j];
            if (Settings.FitIntercept) _block[_features] = derivative;
            _block[Dimension] = value;
            if (!AllFinite(_block.AsSpan(0, Dimension + 1))) { nonFinite++; continue; }
            _sum.Add(_block.AsSpan(0, Dimension + 1));
        }
        return Reduce(start, nonFinite, TotalWeight * rows.Length / Rows, point, gradient);
    }

    /// <summary>Per-example loss and derivative, scaled by the class weight.</summary>
    private (double Value, double Derivative) PerExample(double z, double label)
    {
        var (value, derivative) = Settings.Loss switch
        {
            LossKind.Squared => default(SquaredLoss).Evaluate(z, label),
            LossKind.Logistic => default(LogisticLoss).Evaluate(z, label),
            LossKind.Hinge => default(HingeLoss).Evaluate(z, label),
            _ => default(SquaredHingeLoss).Evaluate(z, label),
        };
        double c = Settings.ClassWeight(label);
        return (value * c, derivative * c);
    }

    /// <summary>The one reduction of an evaluation: sums, control slots, timing, the agreed non-finite check, division by
    /// the weight, and the L2 penalty on the weights (never the intercept).</summary>
    private double Reduce(long start, long nonFinite, double divisor, ReadOnlySpan<double> point, Span<double> gradient)
    {
        _sum.Add(Dimension + 1, nonFinite);
        if (_control is not null)
        {
            _control.Contribute(_controlSlots);
            _sum.AddScaled(1.0, _controlSlots, Dimension + 2);
        }
        long reduceStart = Stopwatch.GetTimestamp();
        _sum.Reduce(_communicator, _totals);
        _control?.Receive(_totals.AsSpan(Dimension + 2));
        ComputeSeconds += Stopwatch.GetElapsedTime(start, reduceStart).TotalSeconds;
        CommunicationSeconds += Stopwatch.GetElapsedTime(reduceStart).TotalSeconds;
        if (_totals[Dimension + 1] != 0)
            throw new NonFiniteValueException($"the loss or gradient overflowed (in {_totals[Dimension + 1]} row blocks or rows)");
        for (int k = 0; k < Dimension; k++) gradient[k] = _totals[k] / divisor;
        double value = _totals[Dimension] / divisor;
        double l2 = Settings.L2;
        if (l2 > 0)
        {
            var w = point[.._features];
            for (int j = 0; j < _features; j++) gradient[j] += l2 * w[j];
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
