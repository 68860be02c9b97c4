using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Limited-memory BFGS (two-loop recursion over the last <c>memory</c> pairs of steps and gradient changes) with a
/// strong Wolfe line search. Each iteration costs one Allreduce per line-search trial, usually one. Its state (the pairs)
/// travels in checkpoints, so a resumed run continues bit for bit. Once <c>memory</c> pairs are kept, an iteration
/// allocates no vectors: a new pair reuses the arrays of the one it evicts.
/// </summary>
public sealed class Lbfgs(TerminationCriteria termination, int memory = 10)
{
    private readonly WolfeLineSearch _lineSearch = new();

    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        var resume = hooks.ResumeFrom;
        int n = objective.Dimension;
        var x = resume?.Point.ToArray() ?? initial.ToArray();
        var g = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var direction = new double[n];
        var q = new double[n];
        var spare = (S: new double[n], Y: new double[n]);
        var pairs = RestorePairs(resume);
        var alpha = new double[Math.Max(memory, pairs.Count)];
        Func<double[][]?> state = () => SavePairs(pairs);
        double f = objective.Evaluate(x, g);
        var loop = new SolverLoop(objective, termination, hooks, f, g);
        double lastAlpha = double.NaN;
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, x, f, g, state, stepSize: lastAlpha) is { } done)
                return done;
            double norm = VectorMath.Norm(g);
            TwoLoop(g, pairs, direction, q, alpha);
            double initialAlpha = pairs.Count == 0 ? Math.Min(1.0, 1.0 / Math.Max(norm, 1e-300)) : 1.0;
            var step = _lineSearch.Search(objective, x, f, g, direction, initialAlpha, xNew, gNew);
            if (step is null && pairs.Count > 0)
            {
                pairs.Clear(); // restart from steepest descent once
                TwoLoop(g, pairs, direction, q, alpha);
                step = _lineSearch.Search(objective, x, f, g, direction, Math.Min(1.0, 1.0 / Math.Max(norm, 1e-300)), xNew, gNew);
            }
            if (step is null)
                return new OptimizationResult(x, f, norm, iteration, ExitCondition.Converged,
                    $"no further decrease possible at double precision (relative gradient norm {norm / Math.Max(loop.InitialGradientNorm, 1e-300):G3})", loop.History);
            spare = Remember(pairs, x, xNew, g, gNew, memory, spare);
            xNew.CopyTo(x, 0);
            gNew.CopyTo(g, 0);
            f = step.Value;
            lastAlpha = step.Alpha;
        }
    }

    /// <summary>Adds the pair s = x⁺ − x, y = g⁺ − g, written into the <paramref name="spare"/> arrays, when it has positive
    /// curvature (sᵀy &gt; 10⁻¹²‖s‖‖y‖), keeping the last <paramref name="memory"/> pairs. Returns the arrays to write the
    /// next pair into: those of the evicted pair, new ones while the memory fills, or the unused spare.</summary>
    internal static (double[] S, double[] Y) Remember(List<(double[] S, double[] Y)> pairs, double[] x, double[] xNew, double[] g,
        double[] gNew, int memory, (double[] S, double[] Y) spare)
    {
        var (s, y) = spare;
        for (int k = 0; k < x.Length; k++) { s[k] = xNew[k] - x[k]; y[k] = gNew[k] - g[k]; }
        if (!(DenseKernels.Dot(s, y) > 1e-12 * VectorMath.Norm(s) * VectorMath.Norm(y))) return spare;
        pairs.Add((s, y));
        if (pairs.Count <= memory) return (new double[x.Length], new double[x.Length]);
        var evicted = pairs[0];
        pairs.RemoveAt(0);
        return evicted;
    }

    /// <summary>The curvature pairs saved in a checkpoint (s₀, y₀, s₁, y₁, …).</summary>
    internal static List<(double[] S, double[] Y)> RestorePairs(SolverState? state)
    {
        var pairs = new List<(double[] S, double[] Y)>();
        if (state?.Auxiliary is { } saved)
            for (int k = 0; k + 1 < saved.Length; k += 2) pairs.Add((saved[k], saved[k + 1]));
        return pairs;
    }

    /// <summary>The pairs in checkpoint form.</summary>
    internal static double[][] SavePairs(List<(double[] S, double[] Y)> pairs) => pairs.SelectMany(p => new[] { p.S.ToArray(), p.Y.ToArray() }).ToArray();

    /// <summary>direction = −H·g with H the L-BFGS inverse-Hessian approximation (Nocedal and Wright, algorithm 7.4);
    /// <paramref name="q"/> (length of g) and <paramref name="alpha"/> (at least the pairs' count) are workspace.</summary>
    internal static void TwoLoop(double[] g, List<(double[] S, double[] Y)> pairs, double[] direction, double[] q, double[] alpha)
    {
        int m = pairs.Count;
        g.CopyTo(q, 0);
        for (int i = m - 1; i >= 0; i--)
        {
            var (s, y) = pairs[i];
            alpha[i] = DenseKernels.Dot(s, q) / DenseKernels.Dot(y, s);
            DenseKernels.Axpy(-alpha[i], y, q);
        }
        double gamma = m == 0 ? 1.0 : DenseKernels.Dot(pairs[m - 1].S, pairs[m - 1].Y) / DenseKernels.Dot(pairs[m - 1].Y, pairs[m - 1].Y);
        for (int k = 0; k < q.Length; k++) q[k] *= gamma;
        for (int i = 0; i < m; i++)
        {
            var (s, y) = pairs[i];
            double beta = DenseKernels.Dot(y, q) / DenseKernels.Dot(y, s);
            DenseKernels.Axpy(alpha[i] - beta, s, q);
        }
        for (int k = 0; k < q.Length; k++) direction[k] = -q[k];
    }
}
