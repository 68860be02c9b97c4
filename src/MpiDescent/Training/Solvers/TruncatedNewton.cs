using System.Runtime.CompilerServices;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Truncated Newton, as LIBLINEAR 2.4x's <c>newton.cpp</c> (Galli and Lin, "A study on truncated Newton methods for
/// linear classification", IEEE TNNLS 2021): each iteration fixes the Hessian at θ, solves H·s = −∇J approximately by
/// conjugate gradients preconditioned with M = (1 − a)·λ + a·diag(H), a = 0.01, stopped when the quadratic model's
/// relative decrease per CG step falls below min(0.5, √‖∇J‖_(M⁻¹)), then backtracks along s from the unit step until
/// J(θ + αs) − J(θ) ≤ 0.01·α·∇J·s (at most 20 halvings). Each Hessian-vector product is one pass over the data and one
/// reduction; the vectors are replicated, so the CG arithmetic is the same on every rank. LIBLINEAR's M is 1 + diag
/// (its objective is J/λ); λ here is the L2 penalty, or the mean of diag(H) without one, and the CG tolerance is
/// measured in LIBLINEAR's scale, so that with L2 the iterates are LIBLINEAR's. (LIBLINEAR replaced its trust-region
/// solver, TRON, by this line-search version in 2.40 after that study found it as fast or faster.) The state is θ
/// alone: a resumed run recomputes the Hessian and continues bit for bit.
/// </summary>
public sealed class TruncatedNewton(ISecondOrderObjective objective, double l2) : IIterativeMethod
{
    private const double PreconditionerMix = 0.01, CgTolerance = 0.5, ArmijoFraction = 0.01;
    private const int MaxHalvings = 20;

    private double[] _x = [], _g = [], _xNew = [], _gNew = [], _s = [], _r = [], _d = [], _hd = [], _z = [], _m = [];
    private double _f, _alpha = double.NaN;

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Newton);

    /// <inheritdoc />
    public double[] Point => _x;

    /// <inheritdoc />
    public double Loss => _f;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _g;

    /// <inheritdoc />
    public double StepSize => _alpha;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        int n = point.Length;
        _x = point.ToArray();
        (_g, _xNew, _gNew, _s, _r) = (new double[n], new double[n], new double[n], new double[n], new double[n]);
        (_d, _hd, _z, _m) = (new double[n], new double[n], new double[n], new double[n]);
        _f = objective.Evaluate(_x, _g);
    }

    /// <inheritdoc />
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        objective.PrepareHessian(_x, _m);
        double scale = l2 > 0 ? l2 : Mean(_m);
        if (!(scale > 0))
            return new StepResult(StepOutcome.NoProgress, "the Hessian is zero (no row has curvature at this point)");
        for (int j = 0; j < _m.Length; j++) _m[j] = (1 - PreconditionerMix) * scale + PreconditionerMix * _m[j];
        ConjugateGradient(scale);
        double gs = DenseKernels.Dot(_g, _s);
        if (!(gs < 0))
            return new StepResult(StepOutcome.NoProgress, "the Newton direction is not a descent direction " +
                "(the gradient is at the limit of double precision)");
        double alpha = 1;
        for (int halving = 0; ; halving++, alpha *= 0.5)
        {
            if (halving == MaxHalvings)
                return new StepResult(StepOutcome.NoProgress, $"the line search along the Newton direction found " +
                    $"no sufficient decrease in {MaxHalvings} halvings");
            for (int j = 0; j < _x.Length; j++) _xNew[j] = _x[j] + alpha * _s[j];
            double trial;
            try { trial = objective.Evaluate(_xNew, _gNew); }
            catch (NonFiniteValueException) { continue; } // agreed on every rank: rejected, as a too-long step
            if (trial - _f <= ArmijoFraction * alpha * gs)
            {
                _f = trial;
                break;
            }
        }
        (_x, _xNew) = (_xNew, _x);
        (_g, _gNew) = (_gNew, _g);
        _alpha = alpha;
        return StepResult.Done;
    }

    /// <summary>Preconditioned CG on H·s = −g from s = 0, stopped by the quadratic model's decrease Q (LIBLINEAR's
    /// rule: iteration·(Q_k − Q_(k−1)) ≥ tolerance·Q_k), at a direction of no curvature, or after max(n, 5)
    /// steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConjugateGradient(double scale)
    {
        int n = _x.Length;
        for (int j = 0; j < n; j++)
        {
            _s[j] = 0;
            _r[j] = -_g[j];
            _z[j] = _r[j] / _m[j];
            _d[j] = _z[j];
        }
        double zr = DenseKernels.Dot(_z, _r);
        double tolerance = Math.Min(CgTolerance, Math.Sqrt(Math.Sqrt(zr / scale)));
        double q = 0;
        int steps = 0, limit = Math.Max(n, 5);
        while (steps < limit)
        {
            steps++;
            objective.HessianVector(_d, _hd);
            double dhd = DenseKernels.Dot(_d, _hd);
            if (dhd <= 1e-16 * scale) break;
            double alpha = zr / dhd;
            DenseKernels.Axpy(alpha, _d, _s);
            DenseKernels.Axpy(-alpha, _hd, _r);
            double qNew = -0.5 * (DenseKernels.Dot(_s, _r) - DenseKernels.Dot(_s, _g));
            double qDiff = qNew - q;
            if (!(qNew <= 0 && qDiff <= 0) || steps * qDiff >= tolerance * qNew) break;
            q = qNew;
            for (int j = 0; j < n; j++) _z[j] = _r[j] / _m[j];
            double zrNew = DenseKernels.Dot(_z, _r);
            double beta = zrNew / zr;
            for (int j = 0; j < n; j++) _d[j] = beta * _d[j] + _z[j];
            zr = zrNew;
        }
    }

    private static double Mean(double[] values)
    {
        double sum = 0;
        foreach (var v in values) sum += v;
        return values.Length == 0 ? 0 : sum / values.Length;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => null;
}
