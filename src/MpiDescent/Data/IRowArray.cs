namespace MpiDescent.Data;

/// <summary>
/// A 1-D or 2-D array in another program's file (<see cref="NpyArray"/>, <see cref="Hdf5Array"/>) read as float64 in
/// blocks of rows, for <see cref="ArrayConversion"/>: a 1-D array is one column.
/// </summary>
public interface IRowArray : IDisposable
{
    /// <summary>The file read.</summary>
    string FilePath { get; }

    /// <summary>The array as messages name it after the file: "the array", "array 'y'", "dataset '/target'".</summary>
    string Subject { get; }

    /// <summary>The number of dimensions.</summary>
    int Dimensions { get; }

    /// <summary>The shape as NumPy prints it: (3,), (3, 4).</summary>
    string ShapeText { get; }

    /// <summary>The first dimension.</summary>
    long Rows { get; }

    /// <summary>Values per row: the second dimension, 1 for a 1-D array.</summary>
    long Columns { get; }

    /// <summary>The element type and storage: "float32, Fortran order".</summary>
    string Description { get; }

    /// <summary>Reads rows <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1
    /// (0-based), row-major, into <paramref name="values"/>.</summary>
    /// <exception cref="InputFileException">The file is damaged or ends early, or a value cannot be held exactly
    /// as float64; names the row and column.</exception>
    void ReadRows(long first, int count, Span<double> values);

    /// <summary>"row 12, column 3 ([11, 2])", or "row 12 ([11])" for a 1-D array: 1-based, and as NumPy indexes
    /// it.</summary>
    string Place(long row, long column);
}
