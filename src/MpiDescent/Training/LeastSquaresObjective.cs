using System.Diagnostics;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// J(θ) = 1/(2m) Σᵢ (xᵢ·w + b − yᵢ)² over all m rows of all ranks, with θ = (w, b) (b only with an intercept).
/// Each rank sums its fixed row blocks; one reduction carries the gradient sums, the loss sum and a count of
/// non-finite block results, so every rank sees the same totals and takes the same decisions. Sums are divided by
/// the global m, never averaged per rank, so uneven slices stay exact.
/// </summary>
public sealed class LeastSquaresObjective : IStochasticObjective
{
    private readonly DataShard _shard;
    private readonly ICommunicator _communicator;
    private readonly int _blockRows;
    private readonly long _totalRows;
    private readonly int _features;
    private readonly IVectorSum _sum;
    private readonly double[] _block;
    private readonly AlignedBuffer _gradientW;
    private readonly AlignedBuffer _weights;
    private readonly double[] _totals;

    private readonly RunControl? _control;
    private readonly double[] _controlSlots = new double[RunControl.Slots];

    /// <summary>Creates the objective over <paramref name="shard"/>, whose rows start on a block boundary of <paramref name="partition"/>.
    /// A <paramref name="control"/> rides along in every reduction (stop and checkpoint requests).</summary>
    public LeastSquaresObjective(DataShard shard, RowPartition partition, ICommunicator communicator, bool fitIntercept, Summation summation,
        RunControl? control = null)
    {
        _control = control;
        if (shard.RowStart % partition.BlockRows != 0) throw new ArgumentException("the shard must start on a block boundary");
        _shard = shard;
        _communicator = communicator;
        _blockRows = partition.BlockRows;
        _totalRows = partition.Rows;
        _features = shard.FeatureCount;
        FitIntercept = fitIntercept;
        Dimension = _features + (fitIntercept ? 1 : 0);
        // Reduced layout: gradient sums, loss sum, count of non-finite blocks, control slots.
        _sum = VectorSums.Create(summation, Dimension + 2 + RunControl.Slots);
        _block = new double[Dimension + 2];
        _gradientW = new AlignedBuffer(_features);
        _weights = new AlignedBuffer(_features);
        _totals = new double[Dimension + 2 + RunControl.Slots];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Whether the last parameter is an unpenalized intercept.</summary>
    public bool FitIntercept { get; }

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
        double b = FitIntercept ? point[_features] : 0.0;
        _sum.Clear();
        long nonFinite = 0;
        var gradW = _gradientW.Span;
        for (int first = 0; first < _shard.Rows; first += _blockRows)
        {
            int rows = Math.Min(_blockRows, _shard.Rows - first);
            var (squares, residuals) = DenseKernels.LeastSquaresBlock(
                _shard.Features.Slice(first * _features, rows * _features), _shard.Labels.AsSpan(first, rows), w, b, gradW);
            gradW.CopyTo(_block);
            if (FitIntercept) _block[_features] = residuals;
            _block[Dimension] = squares;
            if (!AllFinite(_block.AsSpan(0, Dimension + 1))) { nonFinite++; continue; }
            _sum.Add(_block.AsSpan(0, Dimension + 1));
        }
        Evaluations++;
        return Reduce(start, nonFinite, _totalRows, gradient);
    }

    /// <inheritdoc />
    public long Rows => _totalRows;

    /// <inheritdoc />
    public double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient)
    {
        long start = Stopwatch.GetTimestamp();
        var w = point[.._features];
        double b = FitIntercept ? point[_features] : 0.0;
        _sum.Clear();
        long nonFinite = 0;
        foreach (long row in rows)
        {
            long local = row - _shard.RowStart;
            if (local < 0 || local >= _shard.Rows) continue;
            var x = _shard.Features.Slice((int)local * _features, _features);
            double r = DenseKernels.Dot(x, w) + b - _shard.Labels[local];
            for (int j = 0; j < _features; j++) _block[j] = r * x[j];
            if (FitIntercept) _block[_features] = r;
            _block[Dimension] = r * r;
            if (!AllFinite(_block.AsSpan(0, Dimension + 1))) { nonFinite++; continue; }
            _sum.Add(_block.AsSpan(0, Dimension + 1));
        }
        return Reduce(start, nonFinite, rows.Length, gradient);
    }

    /// <summary>The one reduction of an evaluation: sums, timing, the agreed non-finite check, and division by the row count.</summary>
    private double Reduce(long start, long nonFinite, long rowCount, Span<double> gradient)
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
        for (int k = 0; k < Dimension; k++) gradient[k] = _totals[k] / rowCount;
        return _totals[Dimension] / (2.0 * rowCount);
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
