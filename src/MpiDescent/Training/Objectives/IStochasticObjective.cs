namespace MpiDescent.Training.Objectives;

/// <summary>An objective whose gradient can also be taken over a sample of rows (mini-batch solvers).</summary>
public interface IStochasticObjective : IObjective
{
    /// <summary>Total rows over all ranks.</summary>
    long Rows { get; }

    /// <summary>Mean loss and gradient over the listed global rows (collective; every rank passes the same list
    /// and uses the rows it holds).</summary>
    double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient);
}
