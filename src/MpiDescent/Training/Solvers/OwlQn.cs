using System.Runtime.CompilerServices;
using MpiDescent.Model;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// OWL-QN (Andrew and Gao, "Scalable training of L1-regularized log-linear models", ICML 2007): L-BFGS on f + λ₁‖w‖₁.
/// The quasi-Newton direction is taken from the pseudo-gradient and kept in its orthant, trial points are projected
/// onto the orthant of the current point, and a backtracking line search asks F(x⁺) ≤ F(x) + 10⁻⁴·pg·(x⁺ − x). The
/// curvature pairs use the smooth gradient only. The intercept is never penalized. </summary>
public sealed class OwlQn(IObjective objective, L1Penalty l1, int memory = 10) : IIterativeMethod
{
    private double[] _x = [], _g = [], _pg = [], _xNew = [], _gNew = [], _direction = [], _q = [], _alphas = [];
    private (double[] S, double[] Y) _spare;
    private List<(double[] S, double[] Y)> _pairs = [];
    private double _total, _lastAlpha = double.NaN;
    private ParameterSpace _space = ParameterSpace.Whole(0);

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        int n = point.Length;
        _space = objective.Space;
        _x = point.ToArray();
        (_g, _pg, _xNew, _gNew) = (new double[n], new double[n], new double[n], new double[n]);
        (_direction, _q) = (new double[n], new double[n]);
        _spare = (new double[n], new double[n]);
        _pairs = Lbfgs.RestorePairs(resume);
        _alphas = new double[2 * Math.Max(memory, _pairs.Count)];
        double f = objective.Evaluate(_x, _g);
        _total = f + l1.Value(_x);
        l1.PseudoGradient(_x, _g, _pg);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Lbfgs);

    /// <inheritdoc />
    public double[] Point => _x;

    /// <inheritdoc />
    public double Loss => _total;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _pg;

    /// <inheritdoc />
    public double StepSize => _lastAlpha;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        int n = _x.Length;
        var space = _space;
        Lbfgs.TwoLoop(space, _pg, _pairs, _direction, _q, _alphas);
        for (int k = 0; k < n; k++)
            if (_direction[k] * _pg[k] >= 0) _direction[k] = 0; // keep the direction in the descent orthant of −pg
        double alpha = _pairs.Count == 0 ? 1.0 / Math.Max(space.Norm(_pg), 1e-300) : 1.0;
        int weights = l1.LocalWeights;
        double totalNew = double.PositiveInfinity;
        for (; alpha > 1e-20; alpha *= 0.5)
        {
            for (int k = 0; k < n; k++)
            {
                _xNew[k] = _x[k] + alpha * _direction[k];
                double orthant = _x[k] != 0 ? Math.Sign(_x[k]) : Math.Sign(-_pg[k]);
                if (k < weights && Math.Sign(_xNew[k]) != orthant) _xNew[k] = 0;
            }
            double fNew;
            try { fNew = objective.Evaluate(_xNew, _gNew); }
            catch (NonFiniteValueException) { continue; } // agreed on every rank: a rejected trial
            totalNew = fNew + l1.Value(_xNew);
            double decrease = space.DotOfDifference(_pg, _xNew, _x);
            if (totalNew <= _total + 1e-4 * decrease) break;
            totalNew = double.PositiveInfinity;
        }
        if (double.IsPositiveInfinity(totalNew))
            return new StepResult(StepOutcome.NoProgress,
                "the line search found no decrease along the OWL-QN direction");
        _spare = Lbfgs.Remember(space, _pairs, _x, _xNew, _g, _gNew, memory, _spare);
        _xNew.CopyTo(_x, 0);
        _gNew.CopyTo(_g, 0);
        _total = totalNew;
        _lastAlpha = alpha;
        l1.PseudoGradient(_x, _g, _pg);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => Lbfgs.SavePairs(_pairs);
}
