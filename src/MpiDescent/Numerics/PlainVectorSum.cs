using System.Runtime.CompilerServices;
namespace MpiDescent.Numerics;

/// <summary>Ordinary floating-point accumulation and an MPI_SUM of doubles: fastest, but the last bits
/// depend on how rows are split across ranks. Opt-in (<c>--summation plain</c>).</summary>
public sealed class PlainVectorSum(int length) : IVectorSum
{
    private readonly double[] _sum = new double[length];

    /// <inheritdoc />
    public int Length => _sum.Length;

    /// <inheritdoc />
    public void Clear() => Array.Clear(_sum);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<double> values, int offset = 0)
    {
        var sum = _sum.AsSpan(offset, values.Length);
        int w = System.Numerics.Vector<double>.Count, i = 0;
        for (; i <= values.Length - w; i += w)
            (new System.Numerics.Vector<double>(sum[i..])
                + new System.Numerics.Vector<double>(values[i..])).CopyTo(sum[i..]);
        for (; i < values.Length; i++) sum[i] += values[i];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddScaled(double scale, ReadOnlySpan<double> values, int offset)
    {
        for (int i = 0; i < values.Length; i++) _sum[offset + i] += scale * values[i];
    }

    /// <inheritdoc />
    public void Add(int index, double value) => _sum[index] += value;

    /// <summary>The running sums; summed across ranks by <see cref="VectorReduction"/>.</summary>
    internal Span<double> Values => _sum;
}
