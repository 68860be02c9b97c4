namespace MpiDescent.Data;

/// <summary>
/// The checks every converter of numbers from another program's file applies (<see cref="ArrayConversion"/>,
/// <see cref="ParquetConversion"/>): a 64-bit integer must convert to float64 exactly, and a value must be finite,
/// fit the file's storage and, for a weight, not be negative.
/// </summary>
internal static class ConvertedValues
{
    /// <summary>Whether float64 holds <paramref name="value"/> exactly (every integer up to 2^53 in magnitude, and
    /// beyond it only some): the conversion round-trips, and 2^63, where a rounded value leaves the long range, is
    /// outside.</summary>
    public static bool IsExact(long value)
    {
        double d = value;
        return d < 9.223372036854775808e18 && (long)d == value;
    }

    /// <summary>Whether float64 holds <paramref name="value"/> exactly (see <see cref="IsExact(long)"/>; 2^64 is
    /// outside).</summary>
    public static bool IsExact(ulong value)
    {
        double d = value;
        return d < 18446744073709551616.0 && (ulong)d == value;
    }

    /// <summary>Checks <paramref name="values"/>: finite (vectorized first), within float32's range for a float32
    /// file, and non-negative for <paramref name="weights"/>. A failure names the file and, through
    /// <paramref name="place"/>, the value's place ("column 'b', row 12") by its index in
    /// <paramref name="values"/>.</summary>
    /// <exception cref="InputFileException">The first value that fails.</exception>
    public static void Check(string path, ReadOnlySpan<double> values, ElementType elementType, bool weights,
        Func<int, string> place)
    {
        bool negative = weights && values.IndexOfAnyInRange(double.NegativeInfinity, -double.Epsilon) >= 0;
        if (ShardLoader.AllFinite(values) && elementType == ElementType.Float64 && !negative) return;
        for (int k = 0; k < values.Length; k++)
        {
            double v = values[k];
            if (!double.IsFinite(v)) throw new InputFileException(path, $"{place(k)}: {v} is not finite");
            if (!DataFileWriter.Fits(v, elementType))
                throw new InputFileException(path, $"{place(k)}: {v} is beyond float32's range (±3.4e38); convert "
                    + "with --dtype float64");
            if (weights && v < 0) throw new InputFileException(path, $"{place(k)}: weight {v} is negative");
        }
    }
}
