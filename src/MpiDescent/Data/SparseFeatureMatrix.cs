using System.Numerics;
using System.Runtime.CompilerServices;
using MpiDescent.Numerics;

namespace MpiDescent.Data;

/// <summary>Sparse rows in compressed sparse row form (<see cref="SparseRows{T}"/>), values as float64 or float32
/// (<typeparamref name="T"/>): one offset per row (int64), one int32 index and one value per nonzero.</summary>
public sealed class SparseFeatureMatrix<T> : FeatureMatrix where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly long[] _offsets;
    private readonly int[] _indices;
    private (int BlockRows, int[][] Features)? _distinct; // DistinctFeaturesOfBlocks, for one block size
    private readonly T[] _values;
    private int _features;

    /// <summary>Takes the arrays: <paramref name="offsets"/> has rows + 1 entries, starting at 0 and ending at the
    /// number of nonzeros (the arrays of entries may be longer); each row's indices increase and are below
    /// <paramref name="features"/>.</summary>
    public SparseFeatureMatrix(long[] offsets, int[] indices, T[] values, int features)
    {
        if (offsets.Length < 1 || offsets[0] != 0 || offsets[^1] > indices.Length || indices.Length != values.Length)
            throw new ArgumentException("inconsistent sparse arrays");
        _offsets = offsets;
        _indices = indices;
        _values = values;
        _features = features;
    }

    /// <summary>Builds a matrix from dense row-major <paramref name="dense"/> values, keeping the nonzeros.</summary>
    public static SparseFeatureMatrix<T> FromDense(ReadOnlySpan<double> dense, int features)
    {
        int rows = features == 0 ? 0 : dense.Length / features;
        var offsets = new long[rows + 1];
        var indices = new List<int>();
        var values = new List<T>();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < features; j++)
            {
                double v = dense[i * features + j];
                if (v == 0) continue;
                indices.Add(j);
                values.Add(T.CreateTruncating(v));
            }
            offsets[i + 1] = indices.Count;
        }
        return new SparseFeatureMatrix<T>(offsets, [.. indices], [.. values], features);
    }

    /// <inheritdoc />
    public override int Rows => _offsets.Length - 1;

    /// <inheritdoc />
    public override int Features => _features;

    /// <inheritdoc />
    public override ElementType ElementType => typeof(T) == typeof(float) ? ElementType.Float32 : ElementType.Float64;

    /// <inheritdoc />
    public override bool IsSparse => true;

    /// <inheritdoc />
    public override int[] RenumberFeatures()
    {
        var seen = new System.Collections.BitArray(Features);
        foreach (int j in Indices) seen[j] = true;
        var touched = new List<int>();
        var local = new int[Features]; // transient: 4 bytes per feature
        for (int j = 0; j < Features; j++)
            if (seen[j]) { local[j] = touched.Count; touched.Add(j); }
        var indices = _indices.AsSpan(0, (int)Nonzeros);
        for (int e = 0; e < indices.Length; e++) indices[e] = local[indices[e]];
        _features = touched.Count;
        _distinct = null;
        return [.. touched];
    }

    /// <inheritdoc />
    public override int[][] DistinctFeaturesOfBlocks(int blockRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRows, 1);
        lock (_offsets)
        {
            if (_distinct is { } kept && kept.BlockRows == blockRows) return kept.Features;
            var blocks = new int[(Rows + blockRows - 1) / blockRows][];
            for (int b = 0; b < blocks.Length; b++)
            {
                int first = b * blockRows, count = Math.Min(blockRows, Rows - first);
                int start = (int)_offsets[first], end = (int)_offsets[first + count];
                var sorted = _indices.AsSpan(start, end - start).ToArray();
                Array.Sort(sorted);
                int distinct = 0;
                for (int k = 0; k < sorted.Length; k++)
                    if (distinct == 0 || sorted[k] != sorted[distinct - 1]) sorted[distinct++] = sorted[k];
                Array.Resize(ref sorted, distinct);
                blocks[b] = sorted;
            }
            _distinct = (blockRows, blocks);
            return blocks;
        }
    }

    /// <inheritdoc />
    public override int DistinctFeatures()
    {
        var seen = new System.Collections.BitArray(Features);
        int distinct = 0;
        foreach (int j in Indices)
            if (!seen[j]) { seen[j] = true; distinct++; }
        return distinct;
    }

    /// <summary>Stored entries.</summary>
    public long Nonzeros => _offsets[^1];

    /// <inheritdoc />
    public override long Bytes => _offsets.Length * 8L + _indices.Length * (4L + ElementType.Bytes());

    /// <summary>Row offsets (rows + 1).</summary>
    public ReadOnlySpan<long> Offsets => _offsets;

    /// <summary>Feature index of each entry.</summary>
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, (int)Nonzeros);

    /// <summary>Value of each entry.</summary>
    public Span<T> Values => _values.AsSpan(0, (int)Nonzeros);

    /// <summary>All rows as a row block.</summary>
    public SparseRows<T> AllRows => new(_offsets, _indices, _values, Features);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Accept<TVisitor>(ref TVisitor visitor, int first, int count) =>
        visitor.Visit(AllRows.Slice(first, count));

    /// <inheritdoc />
    public override void CopyRow(int row, Span<double> destination) => AllRows.CopyRow(row, destination);

    /// <inheritdoc />
    /// <remarks>Reads the indices and the values, the bytes a pass reads besides the gathered weights.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double PlainRead()
    {
        var indices = Indices;
        var total = Vector<int>.Zero;
        int k = 0;
        for (; k <= indices.Length - Vector<int>.Count; k += Vector<int>.Count) total += new Vector<int>(indices[k..]);
        long tail = Vector.Sum(total);
        for (; k < indices.Length; k++) tail += indices[k];
        return StreamingRead.Sum<T>(Values) + tail;
    }

    /// <inheritdoc />
    /// <remarks>Sparse rows are only scaled: a shift would fill every row (standardization centers nothing on sparse
    /// data), so <paramref name="shift"/> must be zero.</remarks>
    public override void Standardize(ReadOnlySpan<double> shift, ReadOnlySpan<double> scale)
    {
        for (int k = 0; k < Nonzeros; k++)
        {
            int j = _indices[k];
            if (shift[j] != 0) throw new ArgumentException("sparse features are scaled, never shifted");
            _values[k] = T.CreateTruncating(double.CreateTruncating(_values[k]) / scale[j]);
        }
    }
}
