using System.Runtime.CompilerServices;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Privacy;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Differentially private mini-batch SGD (Abadi et al. 2016): each epoch has T = ⌈m/B⌉ steps; at each, every row is
/// in the batch with probability q = B/m (<see cref="PoissonBatches"/>), its gradient is clipped to norm C, the clipped
/// gradients are summed over the ranks by one reduction, N(0, σ²C²) noise is added once to the sum (the same on every
/// rank, <see cref="GaussianNoise"/>), and the sum is divided by the expected batch size B. The L2 penalty and the L1
/// proximal step use no data, so they cost no privacy. The steps taken are the accountant's state: (epoch, position)
/// in checkpoints, position counting B rows per step. The full loss is evaluated after each epoch for the history
/// (not private; it decides nothing but a divergence stop).
/// </summary>
public sealed class PrivateSgd : IIterativeMethod
{
    private readonly LinearObjective _objective;
    private readonly double _learningRate;
    private readonly int _batchSize;
    private readonly PrivacyPlan _plan;
    private readonly PoissonBatches _batches;
    private readonly GaussianNoise _noise;
    private readonly L1Penalty? _l1;
    private readonly LearningRateSchedule _schedule;
    private double[] _point = [];
    private double[] _gradient = [];
    private double[] _pseudo = [];
    private double[] _noiseValues = [];
    private double[] _first = []; // momentum's velocity, or Adam's first moment
    private double[] _second = []; // Adam's second moment
    private readonly double _momentum;
    private double _smooth = double.NaN;
    private int _epochsDone;

    /// <summary>DP-SGD on <paramref name="objective"/>, whose rank holds the <paramref name="localRows"/> rows from
    /// global row <paramref name="rowStart"/>; <paramref name="seed"/> (secret, the same on every rank) keys the
    /// batches and the noise.</summary>
    public PrivateSgd(LinearObjective objective, double learningRate, int batchSize, ulong seed, PrivacyPlan plan,
        long rowStart, int localRows, L1Penalty? l1 = null, LearningRateSchedule? schedule = null,
        double momentum = 0.9)
    {
        if (l1 is not null && plan.Update != PrivateUpdate.Sgd)
            throw new ArgumentException("the L1 proximal step follows plain sgd steps only", nameof(l1));
        _momentum = momentum;
        (_objective, _learningRate, _batchSize, _plan, _l1) = (objective, learningRate, batchSize, plan, l1);
        _schedule = schedule ?? LearningRateSchedule.Constant;
        _batches = new PoissonBatches(rowStart, localRows, plan.StepsPerEpoch, plan.SamplingRate,
            SplitMix64.Mix(seed ^ 0x243F_6A88_85A3_08D3UL));
        _noise = new GaussianNoise(SplitMix64.Mix(seed ^ 0x1319_8A2E_0370_7344UL));
    }

    /// <summary>Noisy steps taken so far (resumed ones included).</summary>
    public long StepsTaken { get; private set; }

    /// <summary>The privacy spent so far.</summary>
    public PrivacyGuarantee Spent => _plan.After(StepsTaken);

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        _point = point.ToArray();
        _gradient = new double[point.Length];
        _pseudo = new double[point.Length];
        _noiseValues = new double[point.Length];
        _first = _plan.Update == PrivateUpdate.Sgd ? [] : resume?.Auxiliary?[0].ToArray() ?? new double[point.Length];
        _second = _plan.Update == PrivateUpdate.Adam
            ? resume?.Auxiliary?[1].ToArray() ?? new double[point.Length] : [];
        _epochsDone = resume?.Epoch ?? 0;
        Position = resume?.Position ?? 0;
        StepsTaken = (long)_epochsDone * _plan.StepsPerEpoch + StepOf(Position);
        if (Position == 0) _smooth = _objective.Evaluate(_point, _gradient);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Sgd);

    /// <inheritdoc />
    public double[] Point => _point;

    /// <inheritdoc />
    public double Loss => _smooth + (_l1?.Value(_point) ?? 0);

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity
    {
        get
        {
            if (_l1 is null) return _gradient;
            _l1.PseudoGradient(_point, _gradient, _pseudo);
            return _pseudo;
        }
    }

    /// <inheritdoc />
    public double StepSize => _epochsDone == 0 ? double.NaN : _schedule.Rate(_learningRate, _epochsDone - 1);

    /// <inheritdoc />
    public long Position { get; private set; }

    /// <inheritdoc />
    public long DataPasses => _objective.Evaluations + _epochsDone;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int epoch, IStepMonitor monitor)
    {
        _smooth = double.NaN;
        double std = _plan.NoiseMultiplier * _plan.ClipNorm;
        for (int step = StepOf(Position); step < _plan.StepsPerEpoch; step++)
        {
            _noise.Fill(epoch, step, std, _noiseValues);
            _objective.EvaluateClippedSample(_point, _batches.Batch(epoch, step), _plan.ClipNorm, _noiseValues,
                _batchSize, _gradient);
            double rate = _schedule.Rate(_learningRate, epoch);
            Update(rate);
            Position = Math.Min((step + 1L) * _batchSize, _objective.Rows);
            StepsTaken++;
            if (!monitor.ContinueAfterUpdate()) return new StepResult(StepOutcome.Interrupted);
        }
        _epochsDone = epoch + 1;
        Position = 0;
        _smooth = _objective.Evaluate(_point, _gradient);
        return StepResult.Done;
    }

    /// <summary>One step of the plan's update rule with the noisy gradient (<see cref="PrivateUpdate"/>); Adam's
    /// bias correction counts the steps taken before this one, resumed ones included.</summary>
    private void Update(double rate)
    {
        switch (_plan.Update)
        {
            case PrivateUpdate.Momentum:
                MomentumDescent.Update(_point, _first, _gradient, rate, _momentum, nesterov: false);
                break;
            case PrivateUpdate.Adam:
                Adam.Update(_point, _first, _second, _gradient, rate, StepsTaken + 1);
                break;
            default:
                DenseKernels.Axpy(-rate, _gradient, _point);
                _l1?.SoftThreshold(_point, rate);
                break;
        }
    }

    /// <summary>The step a position within an epoch stands for: ⌈position/B⌉.</summary>
    private int StepOf(long position) => (int)((position + _batchSize - 1) / _batchSize);

    /// <inheritdoc />
    public double[][]? SaveState() => _plan.Update switch
    {
        PrivateUpdate.Momentum => [_first],
        PrivateUpdate.Adam => [_first, _second],
        _ => null,
    };
}
