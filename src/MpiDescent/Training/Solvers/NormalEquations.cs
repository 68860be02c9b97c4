using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Solvers;

/// <summary>
/// The exact least-squares solve: one reduction of X̃ᵀX̃ (upper triangle) and X̃ᵀy over all rows, where
/// X̃ = [X, 1] with an intercept, then a Cholesky solve of X̃ᵀX̃ θ = X̃ᵀy (MathNet) on every rank.
/// Block sums go through the same reproducible summation as the iterative solvers.
/// </summary>
public static class NormalEquations
{
    private readonly struct GramVisitor(GramKernel kernel) : IRowBlockVisitor
    {
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct => kernel.Compute(rows);
    }

    /// <summary>Returns the minimizer θ = (w, b) of 1/(2m)‖X̃θ − y‖² + (λ₂/2)‖w‖², i.e. the solution of
    /// (X̃ᵀX̃ + mλ₂D)θ = X̃ᵀy with D the identity on the weights and 0 on the intercept (ridge when λ₂ &gt;
    /// 0).</summary>
    /// <exception cref="MpiDescentException">X̃ᵀX̃ is singular (linearly dependent features, or fewer rows than
    /// parameters).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] Solve(DataShard shard, RowPartition partition, ICommunicator communicator,
        bool fitIntercept, Summation summation, double l2 = 0)
    {
        int d = shard.FeatureCount, n = d + (fitIntercept ? 1 : 0);
        var kernel = new GramKernel(d);
        // Per block: XᵀX as the kernel's tiles (summed as they are), then Σx, the row count, Xᵀy and Σy.
        int tiles = kernel.Tiles.Length, columnSums = 0, count = d, xy = d + 1, labelSum = 2 * d + 1;
        var block = new double[labelSum + 1];
        var sum = VectorSums.Create(summation, tiles + block.Length);
        var row = new double[d];
        for (int first = 0; first < shard.Rows; first += partition.BlockRows)
        {
            int rows = Math.Min(partition.BlockRows, shard.Rows - first);
            var pass = new GramVisitor(kernel);
            shard.Features.Accept(ref pass, first, rows);
            Array.Clear(block);
            for (int i = 0; i < rows; i++)
            {
                shard.Features.CopyRow(first + i, row);
                double label = shard.Labels[first + i];
                DenseKernels.Axpy(1.0, row, block.AsSpan(columnSums, d));
                DenseKernels.Axpy(label, row, block.AsSpan(xy, d));
                block[labelSum] += label;
            }
            block[count] = rows;
            sum.Add(kernel.Tiles);
            sum.Add(block, tiles);
        }
        var all = new double[tiles + block.Length];
        sum.Allreduce(communicator, all);
        ReadOnlySpan<double> totals = all.AsSpan(tiles); // the reduced block values after the tiles
        // X̃ᵀX̃ with X̃ = [X, 1]: the Gram matrix, bordered by Σx and m when there is an intercept.
        var gram = Matrix<double>.Build.Dense(n, n);
        for (int j = 0; j < d; j++)
        {
            for (int k = j; k < d; k++) gram[j, k] = gram[k, j] = kernel.EntryOf(all, j, k);
            if (fitIntercept) gram[j, d] = gram[d, j] = totals[columnSums + j];
        }
        if (fitIntercept) gram[d, d] = totals[count];
        for (int j = 0; j < d; j++) gram[j, j] += partition.Rows * l2;
        var rhs = Vector<double>.Build.Dense(totals.Slice(xy, n).ToArray()); // Xᵀy, then Σy with an intercept
        try
        {
            var solution = gram.Cholesky().Solve(rhs).ToArray();
            if (solution.All(double.IsFinite)) return solution;
        }
        catch (ArgumentException) { }
        throw new MpiDescentException($"the normal equations XᵀX θ = Xᵀy are singular: {partition.Rows} rows for " +
            $"{n} parameters, "
            + "or linearly dependent (e.g. constant or duplicated) features; remove them or use an iterative " +
                "solver", ExitCodes.BadInput);
    }
}
