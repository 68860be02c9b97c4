namespace MpiDescent.Data;

/// <summary>Storage type of the values in a data file (features, label and weight alike).</summary>
public enum ElementType : byte
{
    /// <summary>IEEE-754 binary64, little-endian.</summary>
    Float64 = 1,
    /// <summary>IEEE-754 binary32, little-endian: half the bytes per pass; computation stays in double.</summary>
    Float32 = 2,
}
