using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// Rows in compressed sparse row form, values stored as float64 or float32 (<typeparamref name="T"/>): row i's entries
/// are <c>Indices[Offsets[i] .. Offsets[i + 1])</c> and the same range of <c>Values</c>. A margin is a gather of the
/// row's weights, the transposed product a scatter into g, both in entry order; so a pass costs the nonzeros, and its
/// floating-point operations depend only on the rows (see <see cref="IRowBlock"/>). float32 values are widened to
/// double as they are loaded.
/// </summary>
public readonly ref struct SparseRows<T> : IRowBlock where T : unmanaged
{
    private readonly ReadOnlySpan<long> _offsets;
    private readonly ReadOnlySpan<int> _indices;
    private readonly ReadOnlySpan<T> _values;

    /// <summary>Rows whose entries start at <paramref name="offsets"/>[i] (Count + 1 offsets into
    /// <paramref name="indices"/> and <paramref name="values"/>).</summary>
    public SparseRows(ReadOnlySpan<long> offsets, ReadOnlySpan<int> indices, ReadOnlySpan<T> values, int features)
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException($"sparse rows of {typeof(T).Name}");
        _offsets = offsets;
        _indices = indices;
        _values = values;
        Features = features;
        Count = Math.Max(offsets.Length - 1, 0);
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int Features { get; }

    /// <inheritdoc />
    public int SubBlockRows => DenseKernels.MaxSubBlockRows;

    /// <inheritdoc />
    public bool IsSparse => true;

    /// <inheritdoc />
    public ReadOnlySpan<int> StoredIndices => Count == 0 ? default
        : _indices[(int)_offsets[0]..(int)_offsets[Count]];

    /// <summary>Rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="rows"/>).</summary>
    public SparseRows<T> Slice(int first, int rows) => new(_offsets.Slice(first, rows + 1), _indices, _values,
        Features);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Margin(int row, ReadOnlySpan<double> w)
    {
        int start = (int)_offsets[row], end = (int)_offsets[row + 1];
        ref int index = ref MemoryMarshal.GetReference(_indices);
        ref double weights = ref MemoryMarshal.GetReference(w);
        double sum = 0;
        if (typeof(T) == typeof(double))
        {
            ref double value = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(_values));
            for (int k = start; k < end; k++)
                sum += Unsafe.Add(ref value, k) * Unsafe.Add(ref weights, Unsafe.Add(ref index, k));
        }
        else
        {
            ref float value = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(_values));
            for (int k = start; k < end; k++)
                sum += Unsafe.Add(ref value, k) * Unsafe.Add(ref weights, Unsafe.Add(ref index, k));
        }
        return sum;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Margins(int first, ReadOnlySpan<double> w, Span<double> z)
    {
        for (int i = 0; i < z.Length; i++) z[i] = Margin(first + i, w);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g)
    {
        ref int index = ref MemoryMarshal.GetReference(_indices);
        ref double target = ref MemoryMarshal.GetReference(g);
        for (int i = 0; i < r.Length; i++)
        {
            double ri = r[i];
            if (ri == 0) continue;
            int start = (int)_offsets[first + i], end = (int)_offsets[first + i + 1];
            if (typeof(T) == typeof(double))
            {
                ref double value = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(_values));
                for (int k = start; k < end; k++)
                    Unsafe.Add(ref target, Unsafe.Add(ref index, k)) += ri * Unsafe.Add(ref value, k);
            }
            else
            {
                ref float value = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(_values));
                for (int k = start; k < end; k++)
                    Unsafe.Add(ref target, Unsafe.Add(ref index, k)) += ri * Unsafe.Add(ref value, k);
            }
        }
    }

    /// <inheritdoc />
    public double SquaredNorm(int row)
    {
        ref T values = ref MemoryMarshal.GetReference(_values);
        double sum = 0;
        for (int k = (int)_offsets[row]; k < (int)_offsets[row + 1]; k++)
        {
            double x = Widening.At(ref values, k);
            sum += x * x;
        }
        return sum;
    }

    /// <inheritdoc />
    public void AddSquaredTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g)
    {
        for (int i = 0; i < r.Length; i++)
        {
            double ri = r[i];
            if (ri == 0) continue;
            ref T values = ref MemoryMarshal.GetReference(_values);
            for (int k = (int)_offsets[first + i]; k < (int)_offsets[first + i + 1]; k++)
            {
                double x = Widening.At(ref values, k);
                g[_indices[k]] += ri * x * x;
            }
        }
    }

    /// <inheritdoc />
    public void CopyRow(int row, Span<double> destination)
    {
        destination[..Features].Clear();
        for (int k = (int)_offsets[row]; k < (int)_offsets[row + 1]; k++)
        {
            ref T value = ref Unsafe.AsRef(in _values[k]);
            destination[_indices[k]] = typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref value)
                : Unsafe.As<T, float>(ref value);
        }
    }
}
