using System.Numerics;
using System.Runtime.CompilerServices;
using MpiDescent.Numerics;

namespace MpiDescent.Data;

/// <summary>
/// One rank's rows of features in one storage layout. The pass over the data reaches the rows only through
/// <see cref="Accept{TVisitor}"/>, which hands a block of rows to a visitor as the layout's own row-block type
/// (<see cref="IRowBlock"/>), so the objective, the solvers and the sums never see the layout and a new layout (sparse
/// rows) slots in beside the dense ones.
/// </summary>
public abstract class FeatureMatrix
{
    /// <summary>Number of rows.</summary>
    public abstract int Rows { get; }

    /// <summary>Features per row (d).</summary>
    public abstract int Features { get; }

    /// <summary>How the values are stored.</summary>
    public abstract ElementType ElementType { get; }

    /// <summary>Bytes of memory the stored values take.</summary>
    public abstract long Bytes { get; }

    /// <summary>Whether only nonzeros are stored (then a pass costs the nonzeros, and sums take sparse
    /// deposits).</summary>
    public virtual bool IsSparse => false;

    /// <summary>Renumbers the features the rows have entries for as 0, 1, … in their order, in place, so that the rows
    /// index a compact local space (<see cref="Features"/> becomes their count); returns the original feature of each
    /// local one, ascending. Sparse rows only: a partitioned model keeps buffers for these features alone.</summary>
    public virtual int[] RenumberFeatures() =>
        throw new NotSupportedException("dense rows touch every feature: they are not renumbered");

    /// <summary>How many distinct features the rows have entries for (all of them for dense rows, when there are any
    /// rows; a pass over the indices for sparse ones).</summary>
    public virtual int DistinctFeatures() => Rows > 0 ? Features : 0;

    /// <summary>Sparse rows: for each block of <paramref name="blockRows"/> rows (the last may be shorter), the
    /// distinct features its rows touch, in increasing order; computed at the first call for that block size and kept
    /// (at most 4 bytes per stored entry). Null for dense rows.</summary>
    public virtual int[][]? DistinctFeaturesOfBlocks(int blockRows) => null;

    /// <summary>Calls <paramref name="visitor"/> with rows [<paramref name="first"/>, <paramref name="first"/> +
    /// <paramref name="count"/>) as this layout's row block.</summary>
    public abstract void Accept<TVisitor>(ref TVisitor visitor, int first,
        int count) where TVisitor : struct, IRowBlockVisitor;

    /// <summary>Row <paramref name="row"/> as d doubles.</summary>
    public abstract void CopyRow(int row, Span<double> destination);

    /// <summary>The bandwidth reference of the benchmarks: a plain vectorized sum of every stored value, which reads
    /// each stored byte once and does the least work possible per byte.</summary>
    public abstract double PlainRead();

    /// <summary>Replaces every value x of feature j by (x − <paramref name="shift"/>[j]) / <paramref name="scale"/>[j]
    /// (standardization). Values stored as float32 are computed in double and rounded back to float32.</summary>
    public abstract void Standardize(ReadOnlySpan<double> shift, ReadOnlySpan<double> scale);
}

/// <summary>Dense rows, row-major, as float64 or float32 (<typeparamref name="T"/>), starting on a cache-line boundary
/// (<see cref="AlignedBuffer{T}"/>).</summary>
public sealed class DenseFeatureMatrix<T> : FeatureMatrix where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly AlignedBuffer<T> _values;

    /// <summary>Takes <paramref name="values"/>: <paramref name="rows"/> rows of <paramref name="features"/>
    /// values.</summary>
    public DenseFeatureMatrix(AlignedBuffer<T> values, int rows, int features)
    {
        if (values.Length != (long)rows * features)
            throw new ArgumentException($"{values.Length} values for {rows} rows of {features} features");
        _values = values;
        Rows = rows;
        Features = features;
    }

    /// <summary>Copies <paramref name="values"/> (row-major) into a new matrix.</summary>
    public static DenseFeatureMatrix<T> From(ReadOnlySpan<T> values, int features)
    {
        var buffer = new AlignedBuffer<T>(values.Length);
        values.CopyTo(buffer.Span);
        return new DenseFeatureMatrix<T>(buffer, features == 0 ? 0 : values.Length / features, features);
    }

    /// <inheritdoc />
    public override int Rows { get; }

    /// <inheritdoc />
    public override int Features { get; }

    /// <inheritdoc />
    public override ElementType ElementType => typeof(T) == typeof(float) ? ElementType.Float32 : ElementType.Float64;

    /// <inheritdoc />
    public override long Bytes => _values.Length * ElementType.Bytes();

    /// <summary>The stored values, row after row.</summary>
    public Span<T> Values => _values.Span;

    /// <summary>All rows as a row block.</summary>
    public DenseRows<T> AllRows => new(_values.Span, Features);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Accept<TVisitor>(ref TVisitor visitor, int first, int count) =>
        visitor.Visit(AllRows.Slice(first, count));

    /// <inheritdoc />
    public override void CopyRow(int row, Span<double> destination) => AllRows.CopyRow(row, destination);

    /// <inheritdoc />
    public override double PlainRead() => StreamingRead.Sum<T>(_values.Span);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Standardize(ReadOnlySpan<double> shift, ReadOnlySpan<double> scale)
    {
        int d = Features;
        var values = _values.Span;
        var row = new double[d];
        for (int i = 0; i < Rows; i++)
        {
            var stored = values.Slice(i * d, d);
            Widening.Widen<T>(stored, row);
            for (int j = 0; j < d; j++) stored[j] = T.CreateTruncating((row[j] - shift[j]) / scale[j]);
        }
    }
}
