using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Gradient descent with momentum μ: heavy ball v ← μv − α∇J(θ), θ ← θ + v; or Nesterov's accelerated form, which takes
/// the gradient at the look-ahead point θ + μv (the point reported and saved is the look-ahead point, where the loss was
/// measured). The velocity travels in checkpoints.
/// </summary>
public sealed class MomentumDescent(double learningRate, double momentum, bool nesterov, TerminationCriteria termination)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        int n = objective.Dimension;
        var point = hooks.ResumeFrom?.Point.ToArray() ?? initial.ToArray();   // θ (heavy ball) or θ + μv (Nesterov)
        var velocity = hooks.ResumeFrom?.Auxiliary?[0].ToArray() ?? new double[n];
        var gradient = new double[n];
        double loss = objective.Evaluate(point, gradient);
        var loop = new SolverLoop(objective, termination, hooks, loss, gradient);
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, point, loss, gradient, () => [velocity.ToArray()], stepSize: learningRate) is { } done) return done;
            for (int k = 0; k < n; k++)
            {
                double previous = velocity[k];
                velocity[k] = momentum * previous - learningRate * gradient[k];
                // Nesterov in look-ahead variables: φ ← φ + μv_new − α∇J(φ) ... written as φ + v_new + μ(v_new − v_old).
                point[k] += nesterov ? velocity[k] + momentum * (velocity[k] - previous) : velocity[k];
            }
            try { loss = objective.Evaluate(point, gradient); }
            catch (NonFiniteValueException e)
            {
                throw new NonFiniteValueException($"diverged at iteration {iteration + 1} ({e.Message}): use a smaller --learning-rate or --momentum");
            }
        }
    }
}
