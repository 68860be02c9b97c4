using System.Runtime.CompilerServices;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Adam (Kingma and Ba, 2015) on the full gradient: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α m̂/(√v̂ + ε) with
/// bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). The moments travel in checkpoints.
/// </summary>
public sealed class Adam(IObjective objective, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-8) : IIterativeMethod
{
    private double[] _point = [];
    private double[] _first = [];
    private double[] _second = [];
    private double[] _gradient = [];
    private double _loss;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        _point = point.ToArray();
        _first = resume?.Auxiliary?[0].ToArray() ?? new double[point.Length];
        _second = resume?.Auxiliary?[1].ToArray() ?? new double[point.Length];
        _gradient = new double[point.Length];
        _loss = objective.Evaluate(_point, _gradient);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Adam);

    /// <inheritdoc />
    public double[] Point => _point;

    /// <inheritdoc />
    public double Loss => _loss;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _gradient;

    /// <inheritdoc />
    public double StepSize => learningRate;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public StepResult Step(int iteration, IStepMonitor monitor)
    {
        Update(_point, _first, _second, _gradient, learningRate, iteration + 1, beta1, beta2, epsilon);
        _loss = objective.Evaluate(_point, _gradient);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => [_first, _second];

    /// <summary>Adam's step <paramref name="step"/> (1-based, for the bias correction) with <paramref
    /// name="gradient"/>: the moments <paramref name="first"/> and <paramref name="second"/> and <paramref
    /// name="point"/> updated in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Update(Span<double> point, Span<double> first, Span<double> second,
        ReadOnlySpan<double> gradient, double rate, long step, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8)
    {
        double correction1 = 1 - Math.Pow(beta1, step), correction2 = 1 - Math.Pow(beta2, step);
        for (int k = 0; k < point.Length; k++)
        {
            first[k] = beta1 * first[k] + (1 - beta1) * gradient[k];
            second[k] = beta2 * second[k] + (1 - beta2) * gradient[k] * gradient[k];
            point[k] -= rate * (first[k] / correction1) / (Math.Sqrt(second[k] / correction2) + epsilon);
        }
    }
}
