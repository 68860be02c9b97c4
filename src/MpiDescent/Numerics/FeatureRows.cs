using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MpiDescent.Numerics;

/// <summary>
/// Row-major feature rows stored as float64 or as float32 (<c>convert --dtype float32</c>: half the bytes per pass).
/// The streaming kernels widen float32 values in registers as they load them (<see cref="Widening"/>); the Gram kernel
/// takes a chunk of rows as doubles through <see cref="AsDoubles"/> (float32 widened, exactly, into a small scratch
/// buffer), and <see cref="CopyRow"/> gives one row. So every kernel computes in double, and a float32 file gives bitwise
/// the results of a float64 file holding the same (float-rounded) values.
/// </summary>
public readonly ref struct FeatureRows
{
    private readonly ReadOnlySpan<double> _doubles;
    private readonly ReadOnlySpan<float> _singles;

    /// <summary>Rows of <paramref name="features"/> doubles each.</summary>
    public FeatureRows(ReadOnlySpan<double> values, int features)
    {
        _doubles = values;
        FeatureCount = features;
        Count = features == 0 ? 0 : values.Length / features;
    }

    /// <summary>Rows of <paramref name="features"/> floats each.</summary>
    public FeatureRows(ReadOnlySpan<float> values, int features)
    {
        _singles = values;
        IsSingle = true;
        FeatureCount = features;
        Count = features == 0 ? 0 : values.Length / features;
    }

    /// <summary>Values per row.</summary>
    public int FeatureCount { get; }
    /// <summary>Number of rows.</summary>
    public int Count { get; }
    /// <summary>Whether the rows are stored as float32.</summary>
    public bool IsSingle { get; }
    /// <summary>The stored values of float64 rows (empty for float32).</summary>
    public ReadOnlySpan<double> Doubles => _doubles;
    /// <summary>The stored values of float32 rows (empty for float64).</summary>
    public ReadOnlySpan<float> Singles => _singles;

    /// <summary>Rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="rows"/>).</summary>
    public FeatureRows Slice(int first, int rows) => IsSingle
        ? new FeatureRows(_singles.Slice(first * FeatureCount, rows * FeatureCount), FeatureCount)
        : new FeatureRows(_doubles.Slice(first * FeatureCount, rows * FeatureCount), FeatureCount);

    /// <summary>The rows as doubles: the stored values themselves (float64), or widened into <paramref name="scratch"/>
    /// (float32; it needs <see cref="Count"/> × <see cref="FeatureCount"/> elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<double> AsDoubles(Span<double> scratch)
    {
        if (!IsSingle) return _doubles;
        var target = scratch[.._singles.Length];
        Widen(_singles, target);
        return target;
    }

    /// <summary>Copies row <paramref name="row"/> into <paramref name="destination"/> as doubles.</summary>
    public void CopyRow(int row, Span<double> destination)
    {
        if (IsSingle) Widen(_singles.Slice(row * FeatureCount, FeatureCount), destination);
        else _doubles.Slice(row * FeatureCount, FeatureCount).CopyTo(destination);
    }

    /// <summary>destination[k] = source[k] as double (exact), vectorized.</summary>
    public static void Widen(ReadOnlySpan<float> source, Span<double> destination)
    {
        int n = source.Length, w = Vector<float>.Count, k = 0;
        if (destination.Length < n) throw new ArgumentException("destination too short", nameof(destination));
        ref float s = ref MemoryMarshal.GetReference(source);
        ref double t = ref MemoryMarshal.GetReference(destination);
        for (; k <= n - w; k += w)
        {
            Vector.Widen(Vector.LoadUnsafe(ref s, (nuint)k), out var low, out var high);
            low.StoreUnsafe(ref t, (nuint)k);
            high.StoreUnsafe(ref t, (nuint)(k + w / 2));
        }
        for (; k < n; k++) Unsafe.Add(ref t, k) = Unsafe.Add(ref s, k);
    }
}
