using System.Runtime.CompilerServices;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// Gradient descent with momentum μ: heavy ball v ← μv − α∇J(θ), θ ← θ + v; or Nesterov's accelerated form, which takes
/// the gradient at the look-ahead point θ + μv (the point reported and saved is the look-ahead point, where the loss
/// was measured). The velocity travels in checkpoints. </summary>
public sealed class MomentumDescent(IObjective objective, double learningRate, double momentum, bool nesterov)
    : IIterativeMethod
{
    private double[] _point = [];    // θ (heavy ball) or θ + μv (Nesterov)
    private double[] _velocity = [];
    private double[] _gradient = [];
    private double _loss;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        _point = point.ToArray();
        _velocity = resume?.Auxiliary?[0].ToArray() ?? new double[point.Length];
        _gradient = new double[point.Length];
        _loss = objective.Evaluate(_point, _gradient);
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(nesterov ? SolverKind.Nesterov : SolverKind.Momentum);

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
        Update(_point, _velocity, _gradient, learningRate, momentum, nesterov);
        _loss = objective.Evaluate(_point, _gradient);
        return StepResult.Done;
    }

    /// <inheritdoc />
    public double[][]? SaveState() => [_velocity];

    /// <summary>One step with <paramref name="gradient"/>: v ← μv − r·g, then θ ← θ + v (heavy ball) or the
    /// look-ahead point's update (Nesterov), <paramref name="point"/> and <paramref name="velocity"/> in
    /// place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Update(Span<double> point, Span<double> velocity, ReadOnlySpan<double> gradient, double rate,
        double momentum, bool nesterov)
    {
        for (int k = 0; k < point.Length; k++)
        {
            double previous = velocity[k];
            velocity[k] = momentum * previous - rate * gradient[k];
            // Nesterov in look-ahead variables: φ ← φ + μv_new − α∇J(φ) ... written as φ + v_new + μ(v_new − v_old).
            point[k] += nesterov ? velocity[k] + momentum * (velocity[k] - previous) : velocity[k];
        }
    }
}
