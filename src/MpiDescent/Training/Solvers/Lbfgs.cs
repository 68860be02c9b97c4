using System.Runtime.CompilerServices;
using MpiDescent.Model;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Limited-memory BFGS (two-loop recursion over the last <c>memory</c> pairs of steps and gradient changes) with a
/// strong Wolfe line search. Each iteration costs one Allreduce per line-search trial, usually one. Its state (the
/// pairs) travels in checkpoints, so a resumed run continues bit for bit. Once <c>memory</c> pairs are kept, an
/// iteration allocates no vectors: a new pair reuses the arrays of the one it evicts. </summary>
public sealed class Lbfgs(IObjective objective, int memory = Lbfgs.DefaultMemory) : IIterativeMethod
{
    /// <summary>The curvature pairs kept by default.</summary>
    public const int DefaultMemory = 10;

    private readonly WolfeLineSearch _lineSearch = new();
    private double[] _x = [], _g = [], _xNew = [], _gNew = [], _direction = [], _q = [], _alpha = [];
    private (double[] S, double[] Y) _spare;
    private List<(double[] S, double[] Y)> _pairs = [];
    private double _f, _lastAlpha = double.NaN;
    private ParameterSpace _space = ParameterSpace.Whole(0);

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        int n = point.Length;
        _space = objective.Space;
        _x = point.ToArray();
        (_g, _xNew, _gNew, _direction, _q) = (new double[n], new double[n], new double[n], new double[n],
            new double[n]);
        _spare = (new double[n], new double[n]);
        _pairs = RestorePairs(resume);
        _alpha = new double[2 * Math.Max(memory, _pairs.Count)];
        _f = objective.Evaluate(_x, _g);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Lbfgs);

    /// <inheritdoc />
    public double[] Point => _x;

    /// <inheritdoc />
    public double Loss => _f;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _g;

    /// <inheritdoc />
    public double StepSize => _lastAlpha;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        double norm = _space.Norm(_g);
        TwoLoop(_space, _g, _pairs, _direction, _q, _alpha);
        double initialAlpha = _pairs.Count == 0 ? Math.Min(1.0, 1.0 / Math.Max(norm, 1e-300)) : 1.0;
        var step = _lineSearch.Search(objective, _x, _f, _g, _direction, initialAlpha, _xNew, _gNew);
        if (step is null && _pairs.Count > 0)
        {
            _pairs.Clear(); // restart from steepest descent once
            TwoLoop(_space, _g, _pairs, _direction, _q, _alpha);
            step = _lineSearch.Search(objective, _x, _f, _g, _direction, Math.Min(1.0, 1.0 / Math.Max(norm, 1e-300)),
                _xNew, _gNew);
        }
        if (step is null) return new StepResult(StepOutcome.NoProgress,
            "the line search found no decrease along the L-BFGS direction, nor along steepest descent");
        _spare = Remember(_space, _pairs, _x, _xNew, _g, _gNew, memory, _spare);
        _xNew.CopyTo(_x, 0);
        _gNew.CopyTo(_g, 0);
        _f = step.Value;
        _lastAlpha = step.Alpha;
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => SavePairs(_pairs);

    /// <summary>Adds the pair s = x⁺ − x, y = g⁺ − g, written into the <paramref name="spare"/> arrays, when it has
    /// positive curvature (sᵀy &gt; 10⁻¹²‖s‖‖y‖), keeping the last <paramref name="memory"/> pairs. Returns the arrays
    /// to write the next pair into: those of the evicted pair, new ones while the memory fills, or the unused
    /// spare. Vectors are of <paramref name="space"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (double[] S, double[] Y) Remember(ParameterSpace space, List<(double[] S, double[] Y)> pairs,
        double[] x, double[] xNew, double[] g, double[] gNew, int memory, (double[] S, double[] Y) spare)
    {
        var (s, y) = spare;
        for (int k = 0; k < x.Length; k++) { s[k] = xNew[k] - x[k]; y[k] = gNew[k] - g[k]; }
        if (!(space.Dot(s, y) > 1e-12 * space.Norm(s) * space.Norm(y))) return spare;
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

    /// <summary>The pairs in checkpoint form: the pairs' own arrays, not copies (<see cref="SolverHooks.Checkpoint"/>
    /// writes them before the method moves on), so that a checkpoint of a wide model costs no second set of
    /// vectors.</summary>
    internal static double[][] SavePairs(List<(double[] S, double[] Y)> pairs) =>
        pairs.SelectMany(p => new[] { p.S, p.Y }).ToArray();

    /// <summary>direction = −H·g with H the L-BFGS inverse-Hessian approximation (Nocedal and Wright, algorithm 7.4),
    /// for vectors of <paramref name="space"/>; <paramref name="q"/> (length of g) and <paramref name="alpha"/> (at
    /// least twice the pairs' count) are workspace. Each pair's yᵀs is taken once: 3m + 1 reductions for m
    /// pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TwoLoop(ParameterSpace space, double[] g, List<(double[] S, double[] Y)> pairs,
        double[] direction, double[] q, double[] alpha)
    {
        int m = pairs.Count;
        var ys = alpha.AsSpan(m, m);
        g.CopyTo(q, 0);
        for (int i = m - 1; i >= 0; i--)
        {
            var (s, y) = pairs[i];
            ys[i] = space.Dot(y, s);
            alpha[i] = space.Dot(s, q) / ys[i];
            DenseKernels.Axpy(-alpha[i], y, q);
        }
        double gamma = m == 0 ? 1.0 : ys[m - 1] / space.Dot(pairs[m - 1].Y, pairs[m - 1].Y);
        for (int k = 0; k < q.Length; k++) q[k] *= gamma;
        for (int i = 0; i < m; i++)
        {
            var (s, y) = pairs[i];
            double beta = space.Dot(y, q) / ys[i];
            DenseKernels.Axpy(alpha[i] - beta, s, q);
        }
        for (int k = 0; k < q.Length; k++) direction[k] = -q[k];
    }
}
