using System.Diagnostics;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// Distributed mini-batch SGD. Each epoch visits the rows in the order of <see cref="ShuffledRowOrder"/>, in global
/// batches of <c>batchSize</c> rows; each rank contributes the batch rows it holds and one reduction sums them, so the
/// batch, and hence the meaning of the learning rate, do not depend on the rank count. Batch size 1 is plain SGD.
/// The full loss and gradient norm are evaluated after each epoch for the history and the stopping test.
/// </summary>
public sealed class MiniBatchSgd(double learningRate, int batchSize, ulong seed, TerminationCriteria termination)
{
    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="initial"/>.</summary>
    public OptimizationResult Minimize(IStochasticObjective objective, ReadOnlySpan<double> initial, Action<IterationRecord>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var order = new ShuffledRowOrder(objective.Rows, seed);
        var point = initial.ToArray();
        var epochStart = new double[point.Length];
        var gradient = new double[point.Length];
        var batch = new long[batchSize];
        var history = new List<IterationRecord>();
        double loss = objective.Evaluate(point, gradient);
        double initialLoss = loss, initialNorm = VectorMath.Norm(gradient);
        for (int epoch = 0; ; epoch++)
        {
            double norm = VectorMath.Norm(gradient);
            var record = new IterationRecord(epoch, loss, norm, clock.Elapsed.TotalSeconds);
            history.Add(record);
            progress?.Invoke(record);
            if (termination.Check(epoch, loss, initialLoss, norm, initialNorm) is var (exit, reason))
            {
                if (exit == ExitCondition.Diverged) return Diverged(objective, epochStart, epoch, reason, history);
                return new OptimizationResult(point, loss, norm, epoch, exit, reason, history);
            }
            point.CopyTo(epochStart, 0);
            try
            {
                for (long position = 0; position < objective.Rows; position += batchSize)
                {
                    int count = (int)Math.Min(batchSize, objective.Rows - position);
                    for (int k = 0; k < count; k++) batch[k] = order.RowAt(epoch, position + k);
                    objective.EvaluateSample(point, batch.AsSpan(0, count), gradient);
                    DenseKernels.Axpy(-learningRate, gradient, point);
                }
                loss = objective.Evaluate(point, gradient);
            }
            catch (NonFiniteValueException e) { return Diverged(objective, epochStart, epoch + 1, e.Message, history); }
        }
    }

    private OptimizationResult Diverged(IObjective objective, double[] lastFinite, int epoch, string reason, List<IterationRecord> history)
    {
        var gradient = new double[lastFinite.Length];
        double loss = objective.Evaluate(lastFinite, gradient);
        return new OptimizationResult(lastFinite, loss, VectorMath.Norm(gradient), epoch, ExitCondition.Diverged,
            $"diverged in epoch {epoch} ({reason}) with learning rate {learningRate:G4}: use a smaller --learning-rate", history);
    }
}
