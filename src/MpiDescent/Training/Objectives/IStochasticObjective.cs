namespace MpiDescent.Training.Objectives;

/// <summary>An objective whose gradient can also be taken over a sample of rows (mini-batch solvers).</summary>
public interface IStochasticObjective : IObjective
{
    /// <summary>Total rows over all ranks.</summary>
    long Rows { get; }

    /// <summary>Mean loss and gradient over the listed global rows (collective; every rank passes the same list
    /// and uses the rows it holds).</summary>
    double EvaluateSample(ReadOnlySpan<double> point, ReadOnlySpan<long> rows, Span<double> gradient);

    /// <summary>The estimate (1/(W·<paramref name="draws"/>)) Σₖ fₖ·cᵢ·(ℓᵢ, ∇ℓᵢ) over a batch of <paramref
    /// name="draws"/> draws, of which this rank passes the ones on its rows (<paramref name="localRows"/>, 0-based in
    /// its slice, a row as often as it was drawn) with their factors fₖ; cᵢ is the row's training weight and W their
    /// total, and the L2 penalty is added (collective). With fₖ = 1/P(row drawn) it is unbiased.</summary>
    double EvaluateWeightedSample(ReadOnlySpan<double> point, ReadOnlySpan<int> localRows,
        ReadOnlySpan<double> factors, long draws, Span<double> gradient);
}
