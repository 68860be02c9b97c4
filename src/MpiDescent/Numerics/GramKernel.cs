using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// C += XᵀX (upper triangle) for blocks of row-major rows, the exact solver's compute-bound pass (m·d²/2 multiply-adds).
/// Organised as BLAS organises a matrix product: rows are taken in chunks sized so that the working set stays in cache,
/// and each chunk is first packed (float32 widened) into column strips, contiguous per row: strips of 3 vectors for the
/// columns and strips of 4 for the rows of C. A 4 × 3-vector tile of C then lives in twelve registers while the
/// chunk's rows stream past from L1/L2 (per row: three vector loads and four broadcasts for twelve fused multiply-adds).
/// Without packing, the strided reads of wide rows (4 KB apart at d = 512) thrashed the L1 cache.
/// Each entry of C accumulates the rows in order with fused multiply-adds, starting from C's value, so the result
/// depends only on the rows (and equals the unblocked loop bit for bit).
/// </summary>
public sealed class GramKernel
{
    private const int RowTile = 4;
    private readonly int _features;
    private readonly int _chunkRows;
    private readonly int _columnTile;
    private readonly AlignedBuffer<double> _columns;
    private readonly AlignedBuffer<double> _rowsOfC;
    private readonly AlignedBuffer<double> _widened;

    /// <summary>A kernel for rows of <paramref name="features"/> values.</summary>
    public GramKernel(int features)
    {
        _features = features;
        _columnTile = 3 * Vector<double>.Count;
        // The row-strip panel (chunk × d doubles) should stay in L2 and one column strip (chunk × 3 vectors) in L1.
        _chunkRows = Math.Clamp(65536 / features, 8, 256);
        Stride = (features + _columnTile - 1) / _columnTile * _columnTile;
        _columns = new AlignedBuffer<double>((long)_chunkRows * Stride);
        _rowsOfC = new AlignedBuffer<double>((long)_chunkRows * ((features + RowTile - 1) / RowTile * RowTile));
        _widened = new AlignedBuffer<double>((long)_chunkRows * features);
    }

    /// <summary>Row length of C: d rounded up to the column tile. C must hold ⌈d/4⌉·4 rows of this length.</summary>
    public int Stride { get; }

    /// <summary>Elements C needs.</summary>
    public int OutputLength => (_features + RowTile - 1) / RowTile * RowTile * Stride;

    /// <summary>C[j, k] += Σᵢ x[i, j]·x[i, k] for k ≥ j (row-major with <see cref="Stride"/>; entries below the diagonal
    /// inside diagonal tiles and in the padding are written too and mean nothing).</summary>
    public void Accumulate(FeatureRows rows, Span<double> c)
    {
        if (rows.FeatureCount != _features) throw new ArgumentException($"rows of {rows.FeatureCount} features, the kernel {_features}");
        if (c.Length < OutputLength) throw new ArgumentException("C is too short", nameof(c));
        for (int first = 0; first < rows.Count; first += _chunkRows)
        {
            int n = Math.Min(_chunkRows, rows.Count - first);
            var x = rows.Slice(first, n).AsDoubles(_widened.Span);
            Pack(x, n, _columnTile, _columns.Span);
            Pack(x, n, RowTile, _rowsOfC.Span);
            Multiply(n, c);
        }
    }

    /// <summary>Copies n rows of x into strips of <paramref name="width"/> columns: strip s holds, row after row, columns
    /// s·width … s·width + width − 1 (zero beyond d).</summary>
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

    /// <summary>Every 4 × 3-vector tile of C on or above the diagonal, over the n packed rows.</summary>
    private void Multiply(int n, Span<double> c)
    {
        int w = Vector<double>.Count, d = _features, stride = Stride;
        ref double cols = ref MemoryMarshal.GetReference(_columns.Span);
        ref double rowsOfC = ref MemoryMarshal.GetReference(_rowsOfC.Span);
        ref double c0 = ref MemoryMarshal.GetReference(c);
        for (int k = 0; k < d; k += _columnTile)
        {
            ref double b = ref Unsafe.Add(ref cols, (nint)k * n);
            for (int j = 0; j < d && j < k + _columnTile; j += RowTile)
            {
                ref double a = ref Unsafe.Add(ref rowsOfC, (nint)j * n);
                nuint r0 = (nuint)(j * stride + k), r1 = r0 + (nuint)stride, r2 = r1 + (nuint)stride, r3 = r2 + (nuint)stride;
                nuint v1 = (nuint)w, v2 = (nuint)(2 * w);
                var c00 = Vector.LoadUnsafe(ref c0, r0); var c01 = Vector.LoadUnsafe(ref c0, r0 + v1); var c02 = Vector.LoadUnsafe(ref c0, r0 + v2);
                var c10 = Vector.LoadUnsafe(ref c0, r1); var c11 = Vector.LoadUnsafe(ref c0, r1 + v1); var c12 = Vector.LoadUnsafe(ref c0, r1 + v2);
                var c20 = Vector.LoadUnsafe(ref c0, r2); var c21 = Vector.LoadUnsafe(ref c0, r2 + v1); var c22 = Vector.LoadUnsafe(ref c0, r2 + v2);
                var c30 = Vector.LoadUnsafe(ref c0, r3); var c31 = Vector.LoadUnsafe(ref c0, r3 + v1); var c32 = Vector.LoadUnsafe(ref c0, r3 + v2);
                for (int i = 0; i < n; i++)
                {
                    nuint bi = (nuint)(i * _columnTile), ai = (nuint)(i * RowTile);
                    var b0 = Vector.LoadUnsafe(ref b, bi);
                    var b1 = Vector.LoadUnsafe(ref b, bi + v1);
                    var b2 = Vector.LoadUnsafe(ref b, bi + v2);
                    var s = new Vector<double>(Unsafe.Add(ref a, (nint)ai));
                    c00 = Vector.FusedMultiplyAdd(s, b0, c00); c01 = Vector.FusedMultiplyAdd(s, b1, c01); c02 = Vector.FusedMultiplyAdd(s, b2, c02);
                    s = new Vector<double>(Unsafe.Add(ref a, (nint)ai + 1));
                    c10 = Vector.FusedMultiplyAdd(s, b0, c10); c11 = Vector.FusedMultiplyAdd(s, b1, c11); c12 = Vector.FusedMultiplyAdd(s, b2, c12);
                    s = new Vector<double>(Unsafe.Add(ref a, (nint)ai + 2));
                    c20 = Vector.FusedMultiplyAdd(s, b0, c20); c21 = Vector.FusedMultiplyAdd(s, b1, c21); c22 = Vector.FusedMultiplyAdd(s, b2, c22);
                    s = new Vector<double>(Unsafe.Add(ref a, (nint)ai + 3));
                    c30 = Vector.FusedMultiplyAdd(s, b0, c30); c31 = Vector.FusedMultiplyAdd(s, b1, c31); c32 = Vector.FusedMultiplyAdd(s, b2, c32);
                }
                c00.StoreUnsafe(ref c0, r0); c01.StoreUnsafe(ref c0, r0 + v1); c02.StoreUnsafe(ref c0, r0 + v2);
                c10.StoreUnsafe(ref c0, r1); c11.StoreUnsafe(ref c0, r1 + v1); c12.StoreUnsafe(ref c0, r1 + v2);
                c20.StoreUnsafe(ref c0, r2); c21.StoreUnsafe(ref c0, r2 + v1); c22.StoreUnsafe(ref c0, r2 + v2);
                c30.StoreUnsafe(ref c0, r3); c31.StoreUnsafe(ref c0, r3 + v1); c32.StoreUnsafe(ref c0, r3 + v2);
            }
        }
    }
}
