using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace MpiDescent.Numerics;

/// <summary>
/// Loads of <see cref="Vector{T}.Count"/> consecutive row values, double or float, as one <see cref="Vector{T}"/> of
/// double. For float the widening happens in registers (x64: vcvtps2pd with a memory operand; Arm64: fcvtl), so float32
/// data costs half the memory traffic and no extra pass. The element type is a JIT-time constant: each instantiation
/// compiles to one straight path.
/// </summary>
public static class Widening
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Load<T>(ref T x, nuint offset) where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return Vector.LoadUnsafe(ref Unsafe.As<T, double>(ref x), offset);
        ref float f = ref Unsafe.As<T, float>(ref x);
        if (Vector<double>.Count == 4 && Avx.IsSupported)
            return Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref f, offset)).AsVector();
        if (Vector<double>.Count == 8 && Avx512F.IsSupported)
            return Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref f, offset)).AsVector();
        if (Vector<double>.Count == 2 && AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.ConvertToDouble(Vector64.LoadUnsafe(ref f, offset)).AsVector();
        return Portable(ref f, offset);
    }

    /// <summary>Element <paramref name="index"/> as double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double At<T>(ref T x, int index) where T : unmanaged =>
        typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref Unsafe.Add(ref x, index))
            : Unsafe.As<T, float>(ref Unsafe.Add(ref x, index));

    /// <summary>destination[k] = source[k] as double (exact), vectorized for float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen<T>(ReadOnlySpan<T> source, Span<double> destination) where T : unmanaged
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short",
            nameof(destination));
        if (typeof(T) == typeof(double))
        {
            MemoryMarshal.Cast<T, double>(source).CopyTo(destination);
            return;
        }
        var singles = MemoryMarshal.Cast<T, float>(source);
        int n = singles.Length, w = Vector<float>.Count, k = 0;
        ref float s = ref MemoryMarshal.GetReference(singles);
        ref double t = ref MemoryMarshal.GetReference(destination);
        for (; k <= n - w; k += w)
        {
            Vector.Widen(Vector.LoadUnsafe(ref s, (nuint)k), out var low, out var high);
            low.StoreUnsafe(ref t, (nuint)k);
            high.StoreUnsafe(ref t, (nuint)(k + w / 2));
        }
        for (; k < n; k++) Unsafe.Add(ref t, k) = Unsafe.Add(ref s, k);
    }

    /// <summary>Any other vector width or instruction set: element by element (correct, slower).</summary>
    private static Vector<double> Portable(ref float f, nuint offset)
    {
        var v = Vector<double>.Zero;
        for (int e = 0; e < Vector<double>.Count; e++) v = v.WithElement(e, Unsafe.Add(ref f, offset + (nuint)e));
        return v;
    }
}
