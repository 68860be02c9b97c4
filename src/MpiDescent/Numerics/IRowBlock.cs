namespace MpiDescent.Numerics;

/// <summary>
/// A block of consecutive rows in one storage layout (dense float64, dense float32, and later sparse CSR), as the pass
/// over the data sees it: margins x·w of a few rows at a time, and the transposed product Xᵀr over the same rows. The
/// pass (<see cref="LinearPass"/>) is generic over the layout the way it is over the loss: implementations are
/// (ref) structs, so the JIT specializes the pass for each and no row pays a virtual call. Each operation's order of
/// floating-point operations depends only on the rows, never on where the block lives, which bitwise reproducibility
/// relies on.
/// </summary>
public interface IRowBlock
{
    /// <summary>Rows in the block.</summary>
    int Count { get; }

    /// <summary>Features per row (d).</summary>
    int Features { get; }

    /// <summary>How many rows the pass takes at once in this layout: their values stay in L1 cache between the margins
    /// and the transposed product.</summary>
    int SubBlockRows { get; }

    /// <summary>x_row·w.</summary>
    double Margin(int row, ReadOnlySpan<double> w);

    /// <summary>z[i] = x_(first + i)·w for i &lt; z.Length.</summary>
    void Margins(int first, ReadOnlySpan<double> w, Span<double> z);

    /// <summary>g[j] += Σ_i r[i]·x_(first + i, j) for i &lt; r.Length: each element of g accumulates the rows in
    /// order.</summary>
    void AddTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g);

    /// <summary>‖x_row‖², its entries' squares summed in order.</summary>
    double SquaredNorm(int row);

    /// <summary>g[j] += Σ_i r[i]·x_(first + i, j)² for i &lt; r.Length, in row order per element; a sparse block
    /// changes only the elements of its stored indices.</summary>
    void AddSquaredTransposeProduct(int first, ReadOnlySpan<double> r, Span<double> g);

    /// <summary>Row <paramref name="row"/> as d doubles (zeros where a sparse row has no entry).</summary>
    void CopyRow(int row, Span<double> destination);

    /// <summary>Whether the block stores only its nonzero entries. Then <see cref="AddTransposeProduct"/> changes only
    /// the elements of g listed in <see cref="StoredIndices"/>, and a pass costs the nonzeros, not rows × d: the pass
    /// does not clear g (its caller keeps g zero outside the entries it has just read).</summary>
    bool IsSparse { get; }

    /// <summary>Sparse blocks: the feature index of every stored entry, row after row (an index may repeat across
    /// rows); empty for dense blocks.</summary>
    ReadOnlySpan<int> StoredIndices { get; }
}

/// <summary>
/// Work to do on a block of rows whatever its layout: the storage calls <see cref="Visit{TRows}"/> with the block as
/// its own row-block type (<c>FeatureMatrix.Accept</c>), so the work is compiled once per layout. Visitors are structs
/// passed by reference, so that they carry their inputs and results without allocating. </summary>
public interface IRowBlockVisitor
{
    /// <summary>Does the work on <paramref name="rows"/>.</summary>
    void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct;
}
