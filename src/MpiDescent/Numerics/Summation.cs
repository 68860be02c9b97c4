namespace MpiDescent.Numerics;

/// <summary>How sums across row blocks and ranks are taken.</summary>
public enum Summation
{
    /// <summary>Exact sums of fixed row blocks: bitwise the same model at any rank count (default).</summary>
    Reproducible,
    /// <summary>Ordinary floating-point sums: results differ in the last bits between rank counts.</summary>
    Plain,
}

/// <summary>Creates the vector sum for a <see cref="Summation"/> mode.</summary>
public static class VectorSums
{
    /// <summary>A new sum of <paramref name="length"/> values.</summary>
    public static IVectorSum Create(Summation mode, int length) =>
        mode == Summation.Plain ? new PlainVectorSum(length) : new ExactVectorSum(length);

    /// <summary>The bytes one rank hands to the all-reduce (<see cref="VectorReduction.Allreduce"/>) of a sum of
    /// <paramref name="length"/> values made by <see cref="Create"/>, or by <see cref="CreateSparse"/> when
    /// <paramref name="sparse"/>: its doubles, its exact limbs, or its windows and windowed limbs.</summary>
    public static long AllreduceBytes(Summation mode, bool sparse, int length) =>
        mode == Summation.Plain ? 8L * length
        : sparse ? (4L + 8 * WindowedVectorSum.LimbsPerValue) * length
        : 8L * ExactVectorSum.LimbsPerValue * ExactVectorSum.GroupElements
            * ((length + ExactVectorSum.GroupElements - 1) / ExactVectorSum.GroupElements);

    /// <summary>A new sum of <paramref name="length"/> values for sparse deposits (a few values per element and pass,
    /// wide vectors): the windowed sum in reproducible mode, whose memory and traffic are 28 bytes per
    /// element.</summary>
    public static IVectorSum CreateSparse(Summation mode, int length) =>
        mode == Summation.Plain ? new PlainVectorSum(length) : new WindowedVectorSum(length);
}
