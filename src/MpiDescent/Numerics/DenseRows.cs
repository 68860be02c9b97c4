using System.Runtime.CompilerServices;

namespace MpiDescent.Numerics;

/// <summary>
/// Dense rows, row-major, stored as float64 or float32 (<typeparamref name="T"/>; <c>convert --dtype float32</c> halves
/// the bytes per pass). The kernels widen float32 values to double in registers as they load them
/// (<see cref="Widening"/>), so every product and sum is computed in double in the same order as for float64 rows: a
/// float32 file gives bit for bit the results of a float64 file holding the same (rounded) values. Passes over a block
/// of more than one row prefetch ahead when <see cref="SoftwarePrefetch.Enabled"/>.
/// </summary>
public readonly ref struct DenseRows<T> : IRowBlock where T : unmanaged
{
    private readonly bool _prefetch;

    /// <summary>Rows of <paramref name="features"/> values each.</summary>
    public DenseRows(ReadOnlySpan<T> values, int features)
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException($"dense rows of {typeof(T).Name}");
        Values = values;
        Features = features;
        Count = features == 0 ? 0 : values.Length / features;
        _prefetch = SoftwarePrefetch.Enabled && Count > 1; // not sgd's single sampled rows: nothing follows them
    }

    /// <summary>The stored values, row after row.</summary>
    public ReadOnlySpan<T> Values { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public int SubBlockRows => DenseKernels.SubBlockRows<T>(Features);

    /// <summary>Rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="rows"/>).</summary>
    public DenseRows<T> Slice(int first, int rows) => new(Values.Slice(first * Features, rows * Features), Features);

    /// <summary>Row <paramref name="row"/>'s stored values.</summary>
    public ReadOnlySpan<T> Row(int row) => Values.Slice(row * Features, Features);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Margin(int row, ReadOnlySpan<double> w) => DenseKernels.RowDot(Row(row), w, _prefetch);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Margins(int first, ReadOnlySpan<double> w, Span<double> z)
    {
        for (int i = 0; i < z.Length; i++) z[i] = DenseKernels.RowDot(Row(first + i), w, _prefetch);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g) =>
        DenseKernels.AddTransposeProduct(Values.Slice(first * Features, r.Length * Features), r, Features, g);

    /// <inheritdoc />
    public double SquaredNorm(int row)
    {
        var values = Row(row);
        ref T first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        double sum = 0;
        for (int j = 0; j < values.Length; j++)
        {
            double x = Widening.At(ref first, j);
            sum += x * x;
        }
        return sum;
    }

    /// <inheritdoc />
    public void AddSquaredTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g) =>
        DenseKernels.AddSquaredTransposeProduct(Values.Slice(first * Features, r.Length * Features), r, Features, g);

    /// <inheritdoc />
    public void CopyRow(int row, Span<double> destination) => Widening.Widen(Row(row), destination);

    /// <inheritdoc />
    public bool IsSparse => false;

    /// <inheritdoc />
    public ReadOnlySpan<int> StoredIndices => default;

    /// <summary>The rows as doubles: the stored values themselves (float64), or widened into <paramref name="scratch"/>
    /// (float32; it needs <see cref="Count"/> × <see cref="Features"/> elements).</summary>
    public ReadOnlySpan<double> AsDoubles(Span<double> scratch)
    {
        if (typeof(T) == typeof(double)) return System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(Values);
        var target = scratch[..Values.Length];
        Widening.Widen(Values, target);
        return target;
    }
}
