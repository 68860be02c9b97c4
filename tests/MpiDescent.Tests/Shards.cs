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
