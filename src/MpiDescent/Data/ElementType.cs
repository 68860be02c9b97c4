namespace MpiDescent.Data;

/// <summary>Storage type of the values in a data file (features, label and weight alike).</summary>
public enum ElementType : byte
{
    /// <summary>IEEE-754 binary64, little-endian.</summary>
    Float64 = 1,
    /// <summary>IEEE-754 binary32, little-endian: half the bytes per pass; computation stays in double.</summary>
    Float32 = 2,
}

/// <summary>Facts about each element type.</summary>
public static class ElementTypes
{
    /// <summary>Bytes per stored value.</summary>
    public static int Bytes(this ElementType type) => type == ElementType.Float32 ? 4 : 8;

    /// <summary>The name the options and messages use: float64 or float32.</summary>
    public static string Name(this ElementType type) => type == ElementType.Float32 ? "float32" : "float64";
}
