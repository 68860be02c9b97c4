using System.Runtime.CompilerServices;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Full-batch (proximal) gradient descent θ ← prox(θ − α∇f(θ)), where prox soft-thresholds the weights when an L1
/// penalty is given and is the identity otherwise. With a fixed step α = the learning rate; with <c>lineSearch</c>, a
/// backtracking search per iteration (start from twice the last accepted step, halve until the sufficient-decrease
/// condition holds: Armijo, or its proximal form f(θ⁺) ≤ f(θ) + ∇f·(θ⁺ − θ) + ‖θ⁺ − θ‖²/(2α) with L1), so a too-large
/// learning rate cannot diverge. With L1 the reported loss includes λ₁‖w‖₁ and the stationarity vector is the
/// pseudo-gradient. Checkpoints hold θ before the update (and the last accepted step), so a resumed run recomputes the
/// same gradient and continues bit for bit.
/// </summary>
public sealed class GradientDescent(IObjective objective, double learningRate, bool lineSearch = false,
    L1Penalty? l1 = null)
    : IIterativeMethod
{
    private double[] _point = [];
    private double[] _previous = [];
    private double[] _gradient = [];
    private double[] _trialGradient = [];
    private double[] _pseudo = [];
    private double _smooth;
    private Model.ParameterSpace _space = Model.ParameterSpace.Whole(0);
    private double _step;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        _space = objective.Space;
        _point = point.ToArray();
        _previous = point.ToArray();
        _gradient = new double[point.Length];
        _trialGradient = new double[point.Length];
        _pseudo = new double[point.Length];
        _step = resume?.Auxiliary?[0][0] ?? learningRate;
        _smooth = objective.Evaluate(_point, _gradient);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.GradientDescent);

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
    public double StepSize => lineSearch ? _step : learningRate;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        _point.CopyTo(_previous, 0);
        if (!lineSearch)
        {
            TakeStep(_previous, _gradient, learningRate, _point);
            _smooth = objective.Evaluate(_point, _gradient);
            return StepResult.Done;
        }
        for (_step *= 2; ; _step *= 0.5)
        {
            TakeStep(_previous, _gradient, _step, _point);
            double trial;
            try { trial = objective.Evaluate(_point, _trialGradient); }
            catch (NonFiniteValueException) { trial = double.PositiveInfinity; } // agreed on every rank: rejected
            if (trial <= Bound(_smooth, _previous, _gradient, _point, _step))
            {
                _smooth = trial;
                break;
            }
            if (_step < 1e-300)
            {
                _previous.CopyTo(_point, 0);
                return new StepResult(StepOutcome.NoProgress, "the line search found no decrease at double precision");
            }
        }
        _trialGradient.CopyTo(_gradient, 0);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => [[_step]];

    /// <summary>point = prox(from − α·gradient).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TakeStep(double[] from, double[] gradient, double alpha, double[] point)
    {
        for (int k = 0; k < point.Length; k++) point[k] = from[k] - alpha * gradient[k];
        l1?.SoftThreshold(point, alpha);
    }

    /// <summary>The sufficient-decrease bound a trial's smooth value must meet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Bound(double f, double[] from, double[] gradient, double[] trial, double alpha)
    {
        var space = _space;
        if (l1 is null) return f - 1e-4 * alpha * space.Dot(gradient, gradient);
        double linear = space.DotOfDifference(gradient, trial, from), quadratic = space.SquaredDistance(trial, from);
        return f + linear + quadratic / (2 * alpha);
    }
}
