using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Full-batch gradient descent θ ← θ − α∇J(θ). With a fixed step α = the learning rate; with <c>lineSearch</c>, a
/// backtracking Armijo search per iteration (start from twice the last accepted step, halve until
/// J(θ − α∇J) ≤ J(θ) − 10⁻⁴α‖∇J‖²), so a too-large learning rate cannot diverge. Checkpoints hold θ before the update,
/// so a resumed run recomputes the same gradient and continues bit for bit.
/// </summary>
public sealed class GradientDescent(double learningRate, TerminationCriteria termination, bool lineSearch = false)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        var point = hooks.ResumeFrom?.Point.ToArray() ?? initial.ToArray();
        var previous = point.ToArray();
        var gradient = new double[point.Length];
        var trialGradient = new double[point.Length];
        double loss = objective.Evaluate(point, gradient);
        var loop = new SolverLoop(termination, hooks, loss, gradient);
        double step = hooks.ResumeFrom?.Auxiliary?[0][0] ?? learningRate;
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, point, loss, gradient, () => [[step]],
                    e => e.Item1 == ExitCondition.Diverged ? Diverged(objective, previous, iteration, e.Item2, loop.History) : null) is { } done)
                return done;
            point.CopyTo(previous, 0);
            try
            {
                if (!lineSearch)
                {
                    DenseKernels.Axpy(-learningRate, gradient, point);
                    loss = objective.Evaluate(point, gradient);
                    continue;
                }
                double squaredNorm = DenseKernels.Dot(gradient, gradient);
                for (step *= 2; ; step *= 0.5)
                {
                    for (int k = 0; k < point.Length; k++) point[k] = previous[k] - step * gradient[k];
                    double trial;
                    try { trial = objective.Evaluate(point, trialGradient); }
                    catch (NonFiniteValueException) { trial = double.PositiveInfinity; } // agreed on every rank: a rejected trial
                    if (trial <= loss - 1e-4 * step * squaredNorm) { loss = trial; break; }
                    if (step < 1e-300) { point = previous.ToArray(); return Stalled(point, loss, gradient, iteration, loop); }
                }
                trialGradient.CopyTo(gradient, 0);
            }
            catch (NonFiniteValueException e) when (!lineSearch) { return Diverged(objective, previous, iteration + 1, e.Message, loop.History); }
        }
    }

    private static OptimizationResult Stalled(double[] point, double loss, double[] gradient, int iteration, SolverLoop loop) =>
        new(point, loss, VectorMath.Norm(gradient), iteration, ExitCondition.Converged,
            "the line search found no decrease at double precision", loop.History);

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int iteration, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), iteration, ExitCondition.Diverged,
            $"diverged at iteration {iteration} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate, the default 'auto', or --line-search", history);
    }
}
