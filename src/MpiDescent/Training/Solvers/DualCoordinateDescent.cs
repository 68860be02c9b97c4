using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Dual coordinate descent for the L2-regularized hinge and squared-hinge losses (LIBLINEAR's <c>-s 3</c> and
/// <c>-s 1</c>, Hsieh et al., ICML 2008), which reaches the exact optimum of the non-smooth hinge where gradient
/// methods stall at its kinks. In the scaled problem ½‖w‖² + Σᵢ Cᵢ ξ(yᵢ(w·xᵢ + b)) with Cᵢ = cᵢ/(λ₂W) (J is λ₂ times
/// it), each row i has a dual variable 0 ≤ αᵢ ≤ Cᵢ (unbounded, with Dᵢᵢ = 1/(2Cᵢ) added to its curvature, for the
/// squared hinge), w = Σ αᵢyᵢxᵢ, and one coordinate step is an exact line minimization along αᵢ that updates w in
/// place. The unpenalized intercept turns into the constraint s = Σ αᵢyᵢ = 0, handled by the method of multipliers:
/// the steps minimize the dual plus b·s + (ρ/2)s², and after each epoch b += ρs (ρ = mean ‖xᵢ‖²/10; the multiplier is
/// the intercept).
/// <para>Bitwise the same at any rank count: the rows are visited in one global order, block after block as the
/// partition lays them out and within each block in a permutation drawn from (seed, epoch, block), and the ranks take
/// turns: rank r sweeps its rows with the w, s and sums rank r − 1 broadcast, then broadcasts them. So the steps, and
/// their floating-point operations, are those of one process; the cost is that the sweeps do not run in parallel (the
/// data, and its reading, are still spread over the ranks).</para>
/// <para>Each epoch ends with one evaluation of J; its stationarity measure is (J − D, λ₂|s|) with
/// D = λ₂(Σα − ½‖w‖² − ½Σ Dᵢᵢαᵢ²) the dual value: the duality gap, which bounds J − J* once s = 0, and the intercept's
/// constraint. A checkpoint holds the dual variables, gathered from every rank, and the sums.</para>
/// </summary>
public sealed class DualCoordinateDescent : IIterativeMethod
{
    private readonly LinearObjective _objective;
    private readonly DataShard _shard;
    private readonly RowPartition _partition;
    private readonly ICommunicator _comm;
    private readonly ulong _seed;
    private readonly bool _intercept, _squared;
    private readonly double _l2;
    private readonly int _features;
    private double[] _alpha = [], _norms = [], _upper = [], _diagonal = [];
    private double[] _state = []; // w, then s = Σ αᵢyᵢ, Σ αᵢ, Σ Dᵢᵢαᵢ²: what the ranks pass on
    private double[] _point = [], _gradient = [];
    private readonly double[] _stationarity = new double[2];
    private readonly double[] _step = new double[1]; // one row's δ·y, the scale of its x added to w
    private double _rho, _loss;
    private long _sweeps;

    /// <summary>The solver over <paramref name="shard"/> (this rank's rows of <paramref name="partition"/>) for the
    /// hinge or squared-hinge <paramref name="objective"/>, which must have an L2 penalty; <paramref name="seed"/> (the
    /// same on every rank) draws the row order.</summary>
    public DualCoordinateDescent(LinearObjective objective, DataShard shard, RowPartition partition,
        ICommunicator comm, ulong seed)
    {
        var settings = objective.Settings;
        if (settings.Loss is not (LossKind.Hinge or LossKind.SquaredHinge) || !(settings.L2 > 0))
            throw new ArgumentException("dual coordinate descent solves the hinge and squared-hinge losses with " +
                "l2 > 0");
        (_objective, _shard, _partition, _comm, _seed) = (objective, shard, partition, comm, seed);
        (_intercept, _squared, _l2, _features) = (settings.FitIntercept, settings.Loss == LossKind.SquaredHinge,
            settings.L2, shard.FeatureCount);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.DualCoordinate);

    /// <inheritdoc />
    public double[] Point => _point;

    /// <inheritdoc />
    public double Loss => _loss;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _stationarity;

    /// <inheritdoc />
    public double StepSize => double.NaN;

    /// <inheritdoc />
    public long DataPasses => _objective.Evaluations + _sweeps;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        int rows = _shard.Rows, d = _features;
        (_alpha, _norms, _upper, _diagonal) = (new double[rows], new double[rows], new double[rows], new double[rows]);
        for (int first = 0; first < rows; first += _partition.BlockRows)
        {
            var norms = new NormVisitor(_norms, first);
            _shard.Features.Accept(ref norms, first, Math.Min(_partition.BlockRows, rows - first));
        }
        var weights = _objective.RowTrainWeights;
        double scale = 1 / (_l2 * _objective.TotalWeight);
        for (int i = 0; i < rows; i++)
        {
            double c = (weights.IsEmpty ? 1 : weights[i]) * scale;
            _upper[i] = c <= 0 ? 0 : _squared ? double.PositiveInfinity : c;
            _diagonal[i] = _squared && c > 0 ? 0.5 / c : 0;
        }
        var sum = VectorSums.Create(Summation.Reproducible, 1);
        foreach (var q in _norms) sum.Add(0, q);
        Span<double> total = [0];
        sum.Allreduce(_comm, total);
        _rho = Math.Max(total[0] / _partition.Rows / 10, 1e-12);
        _point = point.ToArray();
        _gradient = new double[point.Length];
        _state = new double[d + 3];
        point[..d].CopyTo(_state);
        if (resume?.Auxiliary is { Length: 2 } saved)
        {
            saved[0].AsSpan((int)_shard.RowStart, rows).CopyTo(_alpha);
            saved[1].AsSpan(0, 3).CopyTo(_state.AsSpan(d));
        }
        Measure();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        double b = _intercept ? _point[_features] : 0;
        for (int rank = 0; rank < _comm.Size; rank++)
        {
            if (rank == _comm.Rank) Sweep(iteration, b);
            _comm.Broadcast(_state.AsSpan(), rank);
        }
        _sweeps++;
        _state.AsSpan(0, _features).CopyTo(_point);
        if (_intercept) _point[_features] = b + _rho * _state[_features];
        Measure();
        return StepResult.Done;
    }

    /// <summary>This rank's rows, block by block, each block's in its drawn order.</summary>
    private void Sweep(int epoch, double b)
    {
        long firstBlock = _shard.RowStart / _partition.BlockRows;
        var order = new int[_partition.BlockRows];
        for (int first = 0, block = 0; first < _shard.Rows; first += _partition.BlockRows, block++)
        {
            int count = Math.Min(_partition.BlockRows, _shard.Rows - first);
            Permutation(order.AsSpan(0, count), SplitMix64.Mix(_seed ^ SplitMix64.Mix((ulong)epoch
                ^ SplitMix64.Mix((ulong)(firstBlock + block) + 0x9E37_79B9_7F4A_7C15UL))));
            var visitor = new SweepVisitor(this, first, order, b);
            _shard.Features.Accept(ref visitor, first, count);
        }
    }

    /// <summary>A Fisher-Yates shuffle of 0..n−1 driven by SplitMix64 from <paramref name="state"/>.</summary>
    private static void Permutation(Span<int> order, ulong state)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = order.Length - 1; i > 0; i--)
        {
            state += 0x9E37_79B9_7F4A_7C15UL;
            int j = (int)(SplitMix64.Mix(state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>The coordinate steps over one block's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SweepBlock<TRows>(TRows x, int first, int[] order, double b)
        where TRows : IRowBlock, allows ref struct
    {
        int d = _features;
        var w = _state.AsSpan(0, d);
        var step = _step;
        double rho = _intercept ? _rho : 0;
        for (int k = 0; k < x.Count; k++)
        {
            int row = order[k], i = first + row;
            double upper = _upper[i];
            if (upper == 0) continue;
            double y = _shard.Labels[i], alpha = _alpha[i], dii = _diagonal[i];
            double gradient = y * (x.Margin(row, w) + b) - 1 + dii * alpha + rho * y * _state[d];
            double curvature = _norms[i] + dii + rho;
            if (!(curvature > 0)) continue;
            double next = Math.Min(Math.Max(alpha - gradient / curvature, 0), upper);
            double delta = next - alpha;
            if (delta == 0) continue;
            step[0] = delta * y;
            x.AddTransposeProduct(row, step, w);
            _state[d] += delta * y;
            _state[d + 1] += delta;
            _state[d + 2] += dii * (next * next - alpha * alpha);
            _alpha[i] = next;
        }
    }

    /// <summary>J at the point (one evaluation) and the stationarity measure (duality gap, constraint).</summary>
    private void Measure()
    {
        int d = _features;
        _loss = _objective.Evaluate(_point, _gradient);
        var w = _state.AsSpan(0, d);
        double dual = _l2 * (_state[d + 1] - 0.5 * DenseKernels.Dot(w, w) - 0.5 * _state[d + 2]);
        _stationarity[0] = Math.Abs(_loss - dual);
        _stationarity[1] = _intercept ? _l2 * Math.Abs(_state[d]) : 0;
    }

    /// <inheritdoc />
    /// <remarks>Collective: every rank's dual variables are gathered.</remarks>
    public double[][]? SaveState()
    {
        var counts = new int[_comm.Size];
        for (int r = 0; r < counts.Length; r++)
        {
            var (start, end) = _partition.RowsOf(r);
            counts[r] = (int)(end - start);
        }
        var all = new double[_partition.Rows];
        _comm.Allgather<double>(_alpha, counts, all);
        return [all, _state.AsSpan(_features, 3).ToArray()];
    }

    /// <summary>Each row's ‖x‖².</summary>
    private readonly struct NormVisitor(double[] norms, int first) : IRowBlockVisitor
    {
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct
        {
            for (int i = 0; i < rows.Count; i++) norms[first + i] = rows.SquaredNorm(i);
        }
    }

    /// <summary>Hands a block to <see cref="SweepBlock{TRows}"/>.</summary>
    private readonly struct SweepVisitor(DualCoordinateDescent owner, int first, int[] order, double b)
        : IRowBlockVisitor
    {
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            owner.SweepBlock(rows, first, order, b);
    }
}
