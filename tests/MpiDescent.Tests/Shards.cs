using MathNet.Numerics.LinearAlgebra;
using MpiDescent.Communication;
using MpiDescent.Data;

namespace MpiDescent.Tests;

/// <summary>Builds in-memory shards as the loader would, and the independent references the tests compare
/// against.</summary>
public static class Shards
{
    public static (DataShard Shard, RowPartition Partition) For(ICommunicator comm, double[] x, double[] y,
        int features)
    {
        var header = new DataFileHeader(y.Length, features, ElementType.Float64,
            DataFileHeader.DefaultChecksumBlockRows, [], 0);
        var partition = new RowPartition(y.Length, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var shard = DataShard.FromArrays(header, start, x[(int)(start * features)..(int)(end * features)],
            y[(int)start..(int)end]);
        return (shard, partition);
    }

    /// <summary>This rank's slice of <paramref name="x"/> stored sparse (only the nonzeros), as a sparse file's
    /// loader would hold it.</summary>
    public static (DataShard Shard, RowPartition Partition) SparseFor(ICommunicator comm, double[] x, double[] y,
        int features, ElementType elementType = ElementType.Float64)
    {
        var header = new DataFileHeader(y.Length, features, elementType, DataFileHeader.DefaultChecksumBlockRows, [],
            0, Layout: DataLayout.Sparse, Nonzeros: x.Count(v => v != 0));
        var partition = new RowPartition(y.Length, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var slice = x.AsSpan((int)(start * features), (int)((end - start) * features));
        FeatureMatrix matrix = elementType == ElementType.Float32
            ? SparseFeatureMatrix<float>.FromDense(slice, features)
            : SparseFeatureMatrix<double>.FromDense(slice, features);
        if (end == start)
            matrix = elementType == ElementType.Float32 ? new SparseFeatureMatrix<float>([0], [], [], features)
                : new SparseFeatureMatrix<double>([0], [], [], features);
        return (new DataShard("(memory)", header, start, matrix, y[(int)start..(int)end]), partition);
    }

    /// <summary>Rows with about <paramref name="density"/> of their entries nonzero (uneven: row i's density grows with
    /// i), standard normal values, and labels for <paramref name="loss"/>: regression values, −1/+1, or classes 0..2.
    /// </summary>
    public static (double[] X, double[] Y) SparseSynthetic(int rows, int features, double density, int seed,
        MpiDescent.Losses.LossKind loss)
    {
        var random = new Random(seed);
        var x = new double[rows * features];
        var w = Enumerable.Range(0, 3 * features).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double rowDensity = density * 2 * (i + 1) / rows;
            for (int j = 0; j < features; j++)
                if (random.NextDouble() < rowDensity) x[i * features + j] = Normal(random);
            var z = new double[3];
            for (int k = 0; k < 3; k++)
                for (int j = 0; j < features; j++) z[k] += w[k * features + j] * x[i * features + j];
            y[i] = loss switch
            {
                MpiDescent.Losses.LossKind.Squared => z[0] + 0.1 * Normal(random),
                MpiDescent.Losses.LossKind.Softmax => Array.IndexOf(z, z.Max()),
                _ => z[0] + 0.3 * Normal(random) > 0 ? 1 : -1,
            };
        }
        return (x, y);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>[X, 1] as a MathNet matrix.</summary>
    public static Matrix<double> Design(double[] x, int rows, int features, bool intercept = true) =>
        Matrix<double>.Build.Dense(rows, features + (intercept ? 1 : 0), (i, j) => j < features ? x[i * features + j]
            : 1.0);

    /// <summary>The least-squares optimum by QR of the design matrix (not the normal equations).</summary>
    public static double[] QrSolution(double[] x, double[] y, int features, bool intercept = true) =>
        Design(x, y.Length, features, intercept).QR().Solve(Vector<double>.Build.Dense(y)).ToArray();

    /// <summary>J(θ) = ‖Xθ − y‖²/(2m) with MathNet.</summary>
    public static double Loss(double[] x, double[] y, int features, double[] theta)
    {
        var r = Design(x, y.Length, features,
            theta.Length > features) * Vector<double>.Build.Dense(theta) - Vector<double>.Build.Dense(y);
        return r.DotProduct(r) / (2.0 * y.Length);
    }
}
