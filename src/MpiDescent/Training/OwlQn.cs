using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// OWL-QN (Andrew and Gao, "Scalable training of L1-regularized log-linear models", ICML 2007): L-BFGS on f + λ₁‖w‖₁.
/// The quasi-Newton direction is taken from the pseudo-gradient and kept in its orthant, trial points are projected onto
/// the orthant of the current point, and a backtracking line search asks F(x⁺) ≤ F(x) + 10⁻⁴·pg·(x⁺ − x). The curvature
/// pairs use the smooth gradient only. The intercept is never penalized.
/// </summary>
public sealed class OwlQn(TerminationCriteria termination, L1Penalty l1, int memory = 10)
{
    /// <summary>Minimizes <paramref name="objective"/> + λ₁‖w‖₁ from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        int n = objective.Dimension;
        var x = hooks.ResumeFrom?.Point.ToArray() ?? initial.ToArray();
        var g = new double[n];
        var pg = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var direction = new double[n];
        var q = new double[n];
        var spare = (S: new double[n], Y: new double[n]);
        var pairs = Lbfgs.RestorePairs(hooks.ResumeFrom);
        var alphas = new double[Math.Max(memory, pairs.Count)];
        Func<double[][]?> state = () => Lbfgs.SavePairs(pairs);
        double f = objective.Evaluate(x, g);
        double total = f + l1.Value(x);
        l1.PseudoGradient(x, g, pg);
        var loop = new SolverLoop(objective, termination, hooks, total, pg);
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, x, total, pg, state) is { } done) return done;
            Lbfgs.TwoLoop(pg, pairs, direction, q, alphas);
            for (int k = 0; k < n; k++)
                if (direction[k] * pg[k] >= 0) direction[k] = 0; // keep the direction in the descent orthant of −pg
            double alpha = pairs.Count == 0 ? 1.0 / Math.Max(VectorMath.Norm(pg), 1e-300) : 1.0;
            double totalNew = double.PositiveInfinity;
            for (; alpha > 1e-20; alpha *= 0.5)
            {
                for (int k = 0; k < n; k++)
                {
                    xNew[k] = x[k] + alpha * direction[k];
                    double orthant = x[k] != 0 ? Math.Sign(x[k]) : Math.Sign(-pg[k]);
                    if (k < l1.Weights && Math.Sign(xNew[k]) != orthant) xNew[k] = 0;
                }
                double fNew;
                try { fNew = objective.Evaluate(xNew, gNew); }
                catch (NonFiniteValueException) { continue; } // agreed on every rank: a rejected trial
                totalNew = fNew + l1.Value(xNew);
                double decrease = 0;
                for (int k = 0; k < n; k++) decrease += pg[k] * (xNew[k] - x[k]);
                if (totalNew <= total + 1e-4 * decrease) { f = fNew; break; }
                totalNew = double.PositiveInfinity;
            }
            if (double.IsPositiveInfinity(totalNew))
                return new OptimizationResult(x, total, VectorMath.Norm(pg), iteration, ExitCondition.Converged,
                    "no further decrease possible at double precision", loop.History);
            spare = Lbfgs.Remember(pairs, x, xNew, g, gNew, memory, spare);
            xNew.CopyTo(x, 0);
            gNew.CopyTo(g, 0);
            total = totalNew;
            l1.PseudoGradient(x, g, pg);
        }
    }
}
