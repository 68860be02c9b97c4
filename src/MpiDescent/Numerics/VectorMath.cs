namespace MpiDescent.Numerics;

/// <summary>Small vector helpers for the solvers (sizes are the parameter count, not the data).</summary>
public static class VectorMath
{
    /// <summary>Euclidean norm.</summary>
    public static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(DenseKernels.Dot(v, v));
}
