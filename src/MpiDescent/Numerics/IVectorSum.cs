namespace MpiDescent.Numerics;

/// <summary>
/// Accumulates a vector of doubles on one rank. The distributed objective adds one partial vector per fixed row block,
/// then sums the accumulators across ranks once per evaluation with <see cref="VectorReduction"/>: to every rank, or
/// each rank's own segment to that rank.
/// </summary>
public interface IVectorSum
{
    /// <summary>Number of summed values.</summary>
    int Length { get; }

    /// <summary>Starts a new sum at zero.</summary>
    void Clear();

    /// <summary>Adds <paramref name="values"/>[i] to element <paramref name="offset"/>+i.</summary>
    void Add(ReadOnlySpan<double> values, int offset = 0);

    /// <summary>Adds <paramref name="scale"/>·<paramref name="values"/>[i] to element <paramref name="offset"/>+i, each
    /// product rounded once.</summary>
    void AddScaled(double scale, ReadOnlySpan<double> values, int offset);

    /// <summary>Adds one value to one element.</summary>
    void Add(int index, double value);

}
