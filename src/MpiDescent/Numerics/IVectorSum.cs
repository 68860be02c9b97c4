using MpiDescent.Communication;

namespace MpiDescent.Numerics;

/// <summary>
/// Accumulates a vector of doubles on each rank and sums it across ranks. The distributed objective adds
/// one partial vector per fixed row block, then reduces once per evaluation.
/// </summary>
public interface IVectorSum
{
    /// <summary>Number of summed values.</summary>
    int Length { get; }

    /// <summary>Starts a new sum at zero.</summary>
    void Clear();

    /// <summary>Adds <paramref name="values"/>[i] to element <paramref name="offset"/>+i.</summary>
    void Add(ReadOnlySpan<double> values, int offset = 0);

    /// <summary>Adds <paramref name="scale"/>·<paramref name="values"/>[i] to element <paramref name="offset"/>+i, each product rounded once.</summary>
    void AddScaled(double scale, ReadOnlySpan<double> values, int offset);

    /// <summary>Adds one value to one element.</summary>
    void Add(int index, double value);

    /// <summary>Sums across all ranks (collective, one Allreduce) and writes the totals to <paramref name="result"/>.</summary>
    void Reduce(ICommunicator communicator, Span<double> result);
}
