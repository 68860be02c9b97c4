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
        int t = iteration + 1;
        double correction1 = 1 - Math.Pow(beta1, t), correction2 = 1 - Math.Pow(beta2, t);
        for (int k = 0; k < _point.Length; k++)
        {
            _first[k] = beta1 * _first[k] + (1 - beta1) * _gradient[k];
            _second[k] = beta2 * _second[k] + (1 - beta2) * _gradient[k] * _gradient[k];
            _point[k] -= learningRate * (_first[k] / correction1) / (Math.Sqrt(_second[k] / correction2) + epsilon);
        }
        _loss = objective.Evaluate(_point, _gradient);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => [_first, _second];
}
