using MpiDescent.Data;

namespace MpiDescent.Tests;

/// <summary>The stored values of a shard's features, for assertions.</summary>
public static class FeatureMatrixValues
{
    /// <summary>All values, row by row, as doubles.</summary>
    public static double[] Doubles(this FeatureMatrix matrix)
    {
        var all = new double[(long)matrix.Rows * matrix.Features];
        for (int i = 0; i < matrix.Rows; i++) matrix.CopyRow(i, all.AsSpan(i * matrix.Features, matrix.Features));
        return all;
    }

    /// <summary>The float32 values as stored.</summary>
    public static float[] Singles(this FeatureMatrix matrix) => ((DenseFeatureMatrix<float>)matrix).Values.ToArray();
}
