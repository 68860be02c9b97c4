using System.Numerics;
using System.Runtime.CompilerServices;
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
internal static class Widening
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Load<T>(ref T x, nuint offset) where T : unmanaged
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
    public static double At<T>(ref T x, int index) where T : unmanaged =>
        typeof(T) == typeof(double) ? Unsafe.As<T, double>(ref Unsafe.Add(ref x, index)) : Unsafe.As<T, float>(ref Unsafe.Add(ref x, index));

    /// <summary>Any other vector width or instruction set: element by element (correct, slower).</summary>
    private static Vector<double> Portable(ref float f, nuint offset)
    {
        var v = Vector<double>.Zero;
        for (int e = 0; e < Vector<double>.Count; e++) v = v.WithElement(e, Unsafe.Add(ref f, offset + (nuint)e));
        return v;
    }
}
