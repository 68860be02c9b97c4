using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Adam (Kingma and Ba, 2015) on the full gradient: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α m̂/(√v̂ + ε) with
/// bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). The moments travel in checkpoints.
/// </summary>
public sealed class Adam(double learningRate, TerminationCriteria termination, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        int n = objective.Dimension;
        var point = hooks.ResumeFrom?.Point.ToArray() ?? initial.ToArray();
        var first = hooks.ResumeFrom?.Auxiliary?[0].ToArray() ?? new double[n];
        var second = hooks.ResumeFrom?.Auxiliary?[1].ToArray() ?? new double[n];
        var gradient = new double[n];
        double loss = objective.Evaluate(point, gradient);
        var loop = new SolverLoop(objective, termination, hooks, loss, gradient);
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, point, loss, gradient, () => [first.ToArray(), second.ToArray()], stepSize: learningRate) is { } done) return done;
            int t = iteration + 1;
            double correction1 = 1 - Math.Pow(beta1, t), correction2 = 1 - Math.Pow(beta2, t);
            for (int k = 0; k < n; k++)
            {
                first[k] = beta1 * first[k] + (1 - beta1) * gradient[k];
                second[k] = beta2 * second[k] + (1 - beta2) * gradient[k] * gradient[k];
                point[k] -= learningRate * (first[k] / correction1) / (Math.Sqrt(second[k] / correction2) + epsilon);
            }
            loss = objective.Evaluate(point, gradient);
        }
    }
}
