using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Full-batch (proximal) gradient descent θ ← prox(θ − α∇f(θ)), where prox soft-thresholds the weights when an L1 penalty
/// is given and is the identity otherwise. With a fixed step α = the learning rate; with <c>lineSearch</c>, a backtracking
/// search per iteration (start from twice the last accepted step, halve until the sufficient-decrease condition holds:
/// Armijo, or its proximal form f(θ⁺) ≤ f(θ) + ∇f·(θ⁺ − θ) + ‖θ⁺ − θ‖²/(2α) with L1), so a too-large learning rate cannot
/// diverge. With L1 the reported loss includes λ₁‖w‖₁ and the gradient norm is the pseudo-gradient's. Checkpoints hold θ
/// before the update, so a resumed run recomputes the same gradient and continues bit for bit.
/// </summary>
public sealed class GradientDescent(double learningRate, TerminationCriteria termination, bool lineSearch = false, L1Penalty? l1 = null)
{
    /// <summary>Minimizes <paramref name="objective"/> (+ the L1 penalty) from <paramref name="initial"/> (ignored when resuming).</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, SolverHooks? hooks = null)
    {
        hooks ??= SolverHooks.None;
        var point = hooks.ResumeFrom?.Point.ToArray() ?? initial.ToArray();
        var previous = point.ToArray();
        var gradient = new double[point.Length];
        var trialGradient = new double[point.Length];
        var reported = new double[point.Length];
        double smooth = objective.Evaluate(point, gradient);
        double Total(double f) => f + (l1?.Value(point) ?? 0);
        ReadOnlySpan<double> Stationarity()
        {
            if (l1 is null) return gradient;
            l1.PseudoGradient(point, gradient, reported);
            return reported;
        }
        var loop = new SolverLoop(objective, termination, hooks, Total(smooth), Stationarity());
        double step = hooks.ResumeFrom?.Auxiliary?[0][0] ?? learningRate;
        for (int iteration = loop.FirstIteration; ; iteration++)
        {
            if (loop.Check(iteration, point, Total(smooth), Stationarity(), () => [[step]],
                    e => e.Item1 == ExitCondition.Diverged ? Diverged(objective, previous, iteration, e.Item2, loop.History) : null,
                    lineSearch ? step : learningRate) is { } done)
                return done;
            point.CopyTo(previous, 0);
            try
            {
                if (!lineSearch)
                {
                    TakeStep(previous, gradient, learningRate, point);
                    smooth = objective.Evaluate(point, gradient);
                    continue;
                }
                for (step *= 2; ; step *= 0.5)
                {
                    TakeStep(previous, gradient, step, point);
                    double trial;
                    try { trial = objective.Evaluate(point, trialGradient); }
                    catch (NonFiniteValueException) { trial = double.PositiveInfinity; } // agreed on every rank: a rejected trial
                    if (trial <= Bound(smooth, previous, gradient, point, step)) { smooth = trial; break; }
                    if (step < 1e-300)
                    {
                        previous.CopyTo(point, 0);
                        return new OptimizationResult(point, Total(smooth), VectorMath.Norm(Stationarity()), iteration, ExitCondition.Converged,
                            "the line search found no decrease at double precision", loop.History);
                    }
                }
                trialGradient.CopyTo(gradient, 0);
            }
            catch (NonFiniteValueException e) when (!lineSearch) { return Diverged(objective, previous, iteration + 1, e.Message, loop.History); }
        }
    }

    /// <summary>point = prox(from − α·gradient).</summary>
    private void TakeStep(double[] from, double[] gradient, double alpha, double[] point)
    {
        for (int k = 0; k < point.Length; k++) point[k] = from[k] - alpha * gradient[k];
        l1?.SoftThreshold(point, alpha);
    }

    /// <summary>The sufficient-decrease bound a trial's smooth value must meet.</summary>
    private double Bound(double f, double[] from, double[] gradient, double[] trial, double alpha)
    {
        if (l1 is null) return f - 1e-4 * alpha * DenseKernels.Dot(gradient, gradient);
        double linear = 0, quadratic = 0;
        for (int k = 0; k < trial.Length; k++)
        {
            double delta = trial[k] - from[k];
            linear += gradient[k] * delta;
            quadratic += delta * delta;
        }
        return f + linear + quadratic / (2 * alpha);
    }

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int iteration, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient) + (l1?.Value(lastFinite) ?? 0);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), iteration, ExitCondition.Diverged,
            $"diverged at iteration {iteration} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate, the default 'auto', or --line-search", history);
    }
}
