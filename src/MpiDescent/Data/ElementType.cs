namespace MpiDescent.Data;

/// <summary>Storage type of the values in a data file.</summary>
public enum ElementType : byte
{
    /// <summary>IEEE-754 binary64, little-endian.</summary>
    Float64 = 1,
}
