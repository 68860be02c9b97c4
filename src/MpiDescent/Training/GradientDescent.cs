using System.Diagnostics;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>Full-batch gradient descent with a fixed step: θ ← θ − η∇J(θ).</summary>
public sealed class GradientDescent(double learningRate, TerminationCriteria termination)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/>; <paramref name="progress"/> sees every iteration.</summary>
    public OptimizationResult Minimize(IObjective objective, ReadOnlySpan<double> initial, Action<IterationRecord>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var point = initial.ToArray();
        var previous = new double[point.Length];
        var gradient = new double[point.Length];
        var history = new List<IterationRecord>();
        double loss = objective.Evaluate(point, gradient);
        double initialLoss = loss, initialNorm = VectorMath.Norm(gradient);
        for (int iteration = 0; ; iteration++)
        {
            double norm = VectorMath.Norm(gradient);
            var record = new IterationRecord(iteration, loss, norm, clock.Elapsed.TotalSeconds);
            history.Add(record);
            progress?.Invoke(record);
            if (termination.Check(iteration, loss, initialLoss, norm, initialNorm) is var (exit, reason))
            {
                if (exit == ExitCondition.Diverged) return Diverged(objective, previous, iteration, reason, history);
                return new OptimizationResult(point, loss, norm, iteration, exit, reason, history);
            }
            point.CopyTo(previous, 0);
            DenseKernels.Axpy(-learningRate, gradient, point);
            try { loss = objective.Evaluate(point, gradient); }
            catch (NonFiniteValueException e) { return Diverged(objective, previous, iteration + 1, e.Message, history); }
        }
    }

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int iteration, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), iteration, ExitCondition.Diverged,
            $"diverged at iteration {iteration} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate or the default 'auto'", history);
    }
}
