using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// C += XᵀX (upper triangle) for blocks of row-major rows, the exact solver's compute-bound pass (m·d²/2
/// multiply-adds). Organised as BLAS organises a matrix product: rows are taken in chunks sized so that the working set
/// stays in cache, and each chunk is first packed (float32 widened) into column strips, contiguous per row: strips of 2
/// vectors for the columns and strips of 8 for the rows of C. An 8 × 2-vector tile of C then lives in sixteen registers
/// while the chunk's rows stream past from L1/L2 (per row: two vector loads and eight broadcasts for sixteen fused
/// multiply-adds). Rows of any layout are first copied as doubles (float32 widened, sparse rows expanded) a chunk at a
/// time. Without packing, the strided reads of wide rows (4 KB apart at d = 512) thrashed the L1 cache. The kernel
/// holds C tile by tile, so that each chunk's sweep over C is sequential. Each entry of C accumulates the rows in order
/// with fused multiply-adds, from zero or from its previous value, so the result depends only on the rows (and equals
/// the unblocked loop bit for bit). Measured against OpenBLAS's syrk (numpy X.T @ X, one thread): docs/performance.md.
/// </summary>
public sealed class GramKernel
{
    private const int RowTile = 8;
    private readonly int _features;
    private readonly int _chunkRows;
    private readonly int _columnTile;
    private readonly AlignedBuffer<double> _columns;
    private readonly AlignedBuffer<double> _rowsOfC;
    private readonly AlignedBuffer<double> _widened;
    private readonly AlignedBuffer<double> _c;
    private readonly int _rowTiles;
    private readonly int[] _firstTileOfStrip;

    /// <summary>A kernel for rows of <paramref name="features"/> values.</summary>
    public GramKernel(int features)
    {
        _features = features;
        // 8 × 2-vector tiles (16 accumulators; .NET uses 32 vector registers where AVX-512 exists) measured faster than
        // 4 × 3 and 4 × 4 vectors at d = 64 (0.096 s vs 0.123 and 0.115 s for 500,000 rows) and within 10% at d = 512.
        _columnTile = 2 * Vector<double>.Count;
        // The row-strip panel (chunk × d doubles) should stay in L2 and one column strip (chunk × 2 vectors) in L1.
        _chunkRows = Math.Clamp(65536 / features, 8, 256);
        int columnStrips = (features + _columnTile - 1) / _columnTile;
        _rowTiles = (features + RowTile - 1) / RowTile;
        _columns = new AlignedBuffer<double>((long)_chunkRows * columnStrips * _columnTile);
        // With 4-lane vectors both strips are 8 wide and the two packings coincide: one buffer serves both (half the
        // cache footprint).
        _rowsOfC = _columnTile == RowTile ? _columns
            : new AlignedBuffer<double>((long)_chunkRows * _rowTiles * RowTile);
        _widened = new AlignedBuffer<double>((long)_chunkRows * features);
        // C is stored tile by tile: each 8 × 2-vector tile contiguous, and only the tiles on or above the diagonal,
        // those of one column strip after another. Each chunk's sweep over C then reads and writes it sequentially, and
        // the caller can sum the tiles as they are (a few padding entries more than the d(d+1)/2 of the triangle).
        _firstTileOfStrip = new int[columnStrips + 1];
        for (int strip = 0; strip < columnStrips; strip++)
            _firstTileOfStrip[strip + 1] = _firstTileOfStrip[strip] + Math.Min(_rowTiles, ((strip + 1) * _columnTile
                + RowTile - 1) / RowTile);
        _c = new AlignedBuffer<double>((long)_firstTileOfStrip[columnStrips] * RowTile * _columnTile);
    }

    /// <summary>The computed tiles of C, in a layout fixed by d: sum them across blocks and ranks as they are, then
    /// read entries with <see cref="EntryOf"/>.</summary>
    public ReadOnlySpan<double> Tiles => _c.Span;

    /// <summary>C = XᵀX (upper triangle) of <paramref name="rows"/>, of any layout.</summary>
    public void Compute<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct => Accumulate(rows, add: false);

    /// <summary>C += XᵀX (upper triangle) of <paramref name="rows"/>: each entry continues its chain of fused
    /// multiply-adds.</summary>
    public void Add<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct => Accumulate(rows, add: true);

    /// <summary>C[j, k] for k ≥ j.</summary>
    public double Entry(int j, int k) => _c.Span[Index(j, k)];

    /// <summary>Entry (j, k), k ≥ j, of a sum of <see cref="Tiles"/> arrays.</summary>
    public double EntryOf(ReadOnlySpan<double> tiles, int j, int k) => tiles[Index(j, k)];

    private int Index(int j, int k)
    {
        if (k < j || k >= _features) throw new ArgumentOutOfRangeException(nameof(k),
            "only entries with j ≤ k < d are kept");
        return ((_firstTileOfStrip[k / _columnTile] + j / RowTile) * RowTile + j % RowTile) * _columnTile
            + k % _columnTile;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate<TRows>(TRows rows, bool add) where TRows : IRowBlock, allows ref struct
    {
        if (rows.Features != _features)
            throw new ArgumentException($"rows of {rows.Features} features, the kernel {_features}");
        if (!add && rows.Count == 0) _c.Span.Clear();
        int d = _features;
        for (int first = 0; first < rows.Count; first += _chunkRows)
        {
            int n = Math.Min(_chunkRows, rows.Count - first);
            var widened = _widened.Span;
            for (int i = 0; i < n; i++) rows.CopyRow(first + i, widened.Slice(i * d, d)); // as doubles, any layout
            ReadOnlySpan<double> x = widened[..(n * d)];
            Pack(x, n, _columnTile, _columns.Span);
            if (!ReferenceEquals(_rowsOfC, _columns)) Pack(x, n, RowTile, _rowsOfC.Span);
            Multiply(n, add || first > 0);
        }
    }

    /// <summary>Copies n rows of x into strips of <paramref name="width"/> columns: strip s holds, row after row,
    /// columns s·width … s·width + width − 1 (zero beyond d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack(ReadOnlySpan<double> x, int n, int width, Span<double> packed)
    {
        int d = _features, strips = (d + width - 1) / width;
        for (int s = 0; s < strips; s++)
        {
            int from = s * width, count = Math.Min(width, d - from);
            var strip = packed.Slice(s * n * width, n * width);
            for (int i = 0; i < n; i++)
            {
                x.Slice(i * d + from, count).CopyTo(strip.Slice(i * width, count));
                if (count < width) strip.Slice(i * width + count, width - count).Clear();
            }
        }
    }

    /// <summary>A tile's accumulator: C's value when adding, else zero (no need to clear C first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> StartAt(bool add, ref double c, nuint offset) => add ? Vector.LoadUnsafe(ref c,
        offset) : Vector<double>.Zero;

    /// <summary>Every 8 × 2-vector tile of C on or above the diagonal, over the n packed rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Multiply(int n, bool add)
    {
        int w = Vector<double>.Count, d = _features, tile = RowTile * _columnTile;
        ref double cols = ref MemoryMarshal.GetReference(_columns.Span);
        ref double rowsOfC = ref MemoryMarshal.GetReference(_rowsOfC.Span);
        ref double c0 = ref MemoryMarshal.GetReference(_c.Span);
        nuint v1 = (nuint)w, st = (nuint)_columnTile;
        for (int k = 0; k < d; k += _columnTile)
        {
            ref double b = ref Unsafe.Add(ref cols, (nint)k * n);
            for (int j = 0; j < d && j < k + _columnTile; j += RowTile)
            {
                ref double a = ref Unsafe.Add(ref rowsOfC, (nint)j * n);
                nuint r = (nuint)((_firstTileOfStrip[k / _columnTile] + j / RowTile) * tile);
                var c00 = StartAt(add, ref c0, r); var c01 = StartAt(add, ref c0, r + v1);
                var c10 = StartAt(add, ref c0, r + st); var c11 = StartAt(add, ref c0, r + st + v1);
                var c20 = StartAt(add, ref c0, r + 2 * st); var c21 = StartAt(add, ref c0, r + 2 * st + v1);
                var c30 = StartAt(add, ref c0, r + 3 * st); var c31 = StartAt(add, ref c0, r + 3 * st + v1);
                var c40 = StartAt(add, ref c0, r + 4 * st); var c41 = StartAt(add, ref c0, r + 4 * st + v1);
                var c50 = StartAt(add, ref c0, r + 5 * st); var c51 = StartAt(add, ref c0, r + 5 * st + v1);
                var c60 = StartAt(add, ref c0, r + 6 * st); var c61 = StartAt(add, ref c0, r + 6 * st + v1);
                var c70 = StartAt(add, ref c0, r + 7 * st); var c71 = StartAt(add, ref c0, r + 7 * st + v1);
                for (int i = 0; i < n; i++)
                {
                    nuint bi = (nuint)(i * _columnTile);
                    ref double ai = ref Unsafe.Add(ref a, i * RowTile);
                    var b0 = Vector.LoadUnsafe(ref b, bi);
                    var b1 = Vector.LoadUnsafe(ref b, bi + v1);
                    var s = new Vector<double>(ai);
                    c00 = Vector.FusedMultiplyAdd(s, b0, c00); c01 = Vector.FusedMultiplyAdd(s, b1, c01);
                    s = new Vector<double>(Unsafe.Add(ref ai, 1));
                    c10 = Vector.FusedMultiplyAdd(s, b0, c10); c11 = Vector.FusedMultiplyAdd(s, b1, c11);
                    s = new Vector<double>(Unsafe.Add(ref ai, 2));
                    c20 = Vector.FusedMultiplyAdd(s, b0, c20); c21 = Vector.FusedMultiplyAdd(s, b1, c21);
                    s = new Vector<double>(Unsafe.Add(ref ai, 3));
                    c30 = Vector.FusedMultiplyAdd(s, b0, c30); c31 = Vector.FusedMultiplyAdd(s, b1, c31);
                    s = new Vector<double>(Unsafe.Add(ref ai, 4));
                    c40 = Vector.FusedMultiplyAdd(s, b0, c40); c41 = Vector.FusedMultiplyAdd(s, b1, c41);
                    s = new Vector<double>(Unsafe.Add(ref ai, 5));
                    c50 = Vector.FusedMultiplyAdd(s, b0, c50); c51 = Vector.FusedMultiplyAdd(s, b1, c51);
                    s = new Vector<double>(Unsafe.Add(ref ai, 6));
                    c60 = Vector.FusedMultiplyAdd(s, b0, c60); c61 = Vector.FusedMultiplyAdd(s, b1, c61);
                    s = new Vector<double>(Unsafe.Add(ref ai, 7));
                    c70 = Vector.FusedMultiplyAdd(s, b0, c70); c71 = Vector.FusedMultiplyAdd(s, b1, c71);
                }
                c00.StoreUnsafe(ref c0, r); c01.StoreUnsafe(ref c0, r + v1);
                c10.StoreUnsafe(ref c0, r + st); c11.StoreUnsafe(ref c0, r + st + v1);
                c20.StoreUnsafe(ref c0, r + 2 * st); c21.StoreUnsafe(ref c0, r + 2 * st + v1);
                c30.StoreUnsafe(ref c0, r + 3 * st); c31.StoreUnsafe(ref c0, r + 3 * st + v1);
                c40.StoreUnsafe(ref c0, r + 4 * st); c41.StoreUnsafe(ref c0, r + 4 * st + v1);
                c50.StoreUnsafe(ref c0, r + 5 * st); c51.StoreUnsafe(ref c0, r + 5 * st + v1);
                c60.StoreUnsafe(ref c0, r + 6 * st); c61.StoreUnsafe(ref c0, r + 6 * st + v1);
                c70.StoreUnsafe(ref c0, r + 7 * st); c71.StoreUnsafe(ref c0, r + 7 * st + v1);
            }
        }
    }
}
