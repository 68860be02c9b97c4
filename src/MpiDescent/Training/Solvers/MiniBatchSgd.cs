using System.Runtime.CompilerServices;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Distributed mini-batch SGD. Each epoch visits the rows in the order of <see cref="ShuffledRowOrder"/>, in global
/// batches of <c>batchSize</c> rows; each rank contributes the batch rows it holds and one reduction sums them, so the
/// batch, and hence the meaning of the learning rate, do not depend on the rank count. Batch size 1 is plain SGD.
/// The full loss and gradient are evaluated after each epoch for the history and the stopping test. A stop or a
/// time-based checkpoint can happen after any batch (<see cref="IStepMonitor"/>): the state (epoch, position, θ)
/// continues the same sequence. With an L1 penalty each step is followed by the proximal (soft-thresholding) step; the
/// learning rate of epoch e follows the <see cref="LearningRateSchedule"/>. With <paramref name="balanced"/> an epoch
/// is that sampler's class-balanced draws instead, each weighted by its importance factor
/// (<see cref="ClassBalancedBatches"/>).
/// </summary>
public sealed class MiniBatchSgd(IStochasticObjective objective, double learningRate, int batchSize, ulong seed,
    L1Penalty? l1 = null, LearningRateSchedule? schedule = null, ClassBalancedBatches? balanced = null)
    : IIterativeMethod
{
    private readonly ShuffledRowOrder _order = new(objective.Rows, seed);
    private readonly long _epochLength = balanced?.EpochLength ?? objective.Rows;
    private readonly int[] _drawRows = balanced is null ? [] : new int[batchSize];
    private readonly int[] _drawClasses = balanced is null ? [] : new int[batchSize];
    private readonly double[] _drawFactors = balanced is null ? [] : new double[batchSize];
    private readonly LearningRateSchedule _schedule = schedule ?? LearningRateSchedule.Constant;
    private readonly long[] _batch = new long[batchSize];
    private double[] _point = [];
    private double[] _gradient = [];
    private double[] _pseudo = [];
    private double _smooth = double.NaN;
    private int _epochsDone;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        _point = point.ToArray();
        _gradient = new double[point.Length];
        _pseudo = new double[point.Length];
        _epochsDone = resume?.Epoch ?? 0;
        Position = resume?.Position ?? 0;
        // Mid-epoch there is no full loss to report until the epoch ends; at a boundary it is evaluated.
        if (Position == 0) _smooth = objective.Evaluate(_point, _gradient);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Sgd);

    /// <inheritdoc />
    public double[] Point => _point;

    /// <inheritdoc />
    public double Loss => _smooth + (l1?.Value(_point) ?? 0);

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity
    {
        get
        {
            if (l1 is null) return _gradient;
            l1.PseudoGradient(_point, _gradient, _pseudo);
            return _pseudo;
        }
    }

    /// <inheritdoc />
    public double StepSize => _epochsDone == 0 ? double.NaN : _schedule.Rate(learningRate, _epochsDone - 1);

    /// <inheritdoc />
    public long Position { get; private set; }

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations + _epochsDone * _epochLength / objective.Rows;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int epoch, IStepMonitor monitor)
    {
        _smooth = double.NaN;
        while (Position < _epochLength)
        {
            int count = (int)Math.Min(batchSize, _epochLength - Position);
            if (balanced is null)
            {
                for (int k = 0; k < count; k++) _batch[k] = _order.RowAt(epoch, Position + k);
                objective.EvaluateSample(_point, _batch.AsSpan(0, count), _gradient);
            }
            else
            {
                int local = balanced.LocalDraws(epoch, Position, count, _drawRows, _drawClasses);
                for (int k = 0; k < local; k++) _drawFactors[k] = balanced.ImportanceFactor(_drawClasses[k]);
                objective.EvaluateWeightedSample(_point, _drawRows.AsSpan(0, local), _drawFactors.AsSpan(0, local),
                    count, _gradient);
            }
            double rate = _schedule.Rate(learningRate, epoch);
            DenseKernels.Axpy(-rate, _gradient, _point);
            l1?.SoftThreshold(_point, rate);
            Position += count;
            if (!monitor.ContinueAfterUpdate()) return new StepResult(StepOutcome.Interrupted);
        }
        _epochsDone = epoch + 1;
        Position = 0;
        _smooth = objective.Evaluate(_point, _gradient);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => null;
}
