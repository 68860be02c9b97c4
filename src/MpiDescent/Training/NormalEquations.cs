using MathNet.Numerics.LinearAlgebra;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;

namespace MpiDescent.Training;

/// <summary>
/// The exact least-squares solve: one reduction of X̃ᵀX̃ (upper triangle) and X̃ᵀy over all rows, where
/// X̃ = [X, 1] with an intercept, then a Cholesky solve of X̃ᵀX̃ θ = X̃ᵀy (MathNet) on every rank.
/// Block sums go through the same reproducible summation as the iterative solvers.
/// </summary>
public static class NormalEquations
{
    /// <summary>Returns the minimizer θ = (w, b) of 1/(2m)‖X̃θ − y‖² + (λ₂/2)‖w‖², i.e. the solution of
    /// (X̃ᵀX̃ + mλ₂D)θ = X̃ᵀy with D the identity on the weights and 0 on the intercept (ridge when λ₂ &gt; 0).</summary>
    /// <exception cref="MpiDescentException">X̃ᵀX̃ is singular (linearly dependent features, or fewer rows than parameters).</exception>
    public static double[] Solve(DataShard shard, RowPartition partition, ICommunicator communicator, bool fitIntercept, Summation summation, double l2 = 0)
    {
        int d = shard.FeatureCount, n = d + (fitIntercept ? 1 : 0);
        int packed = n * (n + 1) / 2;
        var block = new double[packed + n];
        var sum = VectorSums.Create(summation, packed + n);
        var kernel = new GramKernel(d);
        int stride = kernel.Stride;
        var blockGram = new AlignedBuffer<double>(kernel.OutputLength);
        var columnSums = new double[d];
        var xy = new double[d];
        var row = new double[d];
        for (int first = 0; first < shard.Rows; first += partition.BlockRows)
        {
            int rows = Math.Min(partition.BlockRows, shard.Rows - first);
            var x = shard.FeatureRows.Slice(first, rows);
            blockGram.Span.Clear();
            Array.Clear(columnSums);
            Array.Clear(xy);
            kernel.Accumulate(x, blockGram.Span);
            double labelSum = 0;
            for (int i = 0; i < rows; i++)
            {
                x.CopyRow(i, row);
                double label = shard.Labels[first + i];
                DenseKernels.Axpy(1.0, row, columnSums);
                DenseKernels.Axpy(label, row, xy);
                labelSum += label;
            }
            // Pack the upper triangle of X̃ᵀX̃ (X̃ = [X, 1]) row by row, then X̃ᵀy.
            int offset = 0;
            for (int j = 0; j < d; j++)
            {
                blockGram.Span.Slice(j * stride + j, d - j).CopyTo(block.AsSpan(offset, d - j));
                offset += d - j;
                if (fitIntercept) block[offset++] = columnSums[j];
            }
            if (fitIntercept) block[offset++] = rows;
            xy.CopyTo(block.AsSpan(packed, d));
            if (fitIntercept) block[packed + d] = labelSum;
            sum.Add(block);
        }
        var totals = new double[packed + n];
        sum.Reduce(communicator, totals);
        var gram = Matrix<double>.Build.Dense(n, n);
        for (int j = 0, offset = 0; j < n; j++)
            for (int k = j; k < n; k++, offset++)
                gram[j, k] = gram[k, j] = totals[offset];
        for (int j = 0; j < d; j++) gram[j, j] += partition.Rows * l2;
        var rhs = Vector<double>.Build.Dense(totals.AsSpan(packed, n).ToArray());
        try
        {
            var solution = gram.Cholesky().Solve(rhs).ToArray();
            if (solution.All(double.IsFinite)) return solution;
        }
        catch (ArgumentException) { }
        throw new MpiDescentException($"the normal equations XᵀX θ = Xᵀy are singular: {partition.Rows} rows for {n} parameters, "
            + "or linearly dependent (e.g. constant or duplicated) features; remove them or use an iterative solver", ExitCodes.BadInput);
    }
}
