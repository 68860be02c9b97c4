using System.Runtime.CompilerServices;
namespace MpiDescent.Data;

/// <summary>Synthetic data with a known truth, written row by row (any size, constant memory): x, w, b, e standard
/// normal from a seeded generator; regression labels y = x·w + b + noise·e, or with <c>logistic</c> binary labels y ∈
/// {0, 1} with P(y = 1) = σ((x·w + b)/scale), scale = √d, so that the classes overlap. A float32 file stores x and y
/// rounded to float32 (y computed from the unrounded x).</summary>
public static class SyntheticData
{
    /// <summary>Writes the data file and returns the true weights and intercept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] Weights, double Intercept, DataFileHeader Header) Write(string path, long rows,
        int features, double noise, int seed,
        bool logistic = false, ElementType elementType = ElementType.Float64)
    {
        double scale = Math.Sqrt(features);
        var random = new Random(seed);
        var weights = Enumerable.Range(0, features).Select(_ => Normal(random)).ToArray();
        double intercept = Normal(random);
        var x = new double[features];
        using var writer = new DataFileWriter(path, features, Enumerable.Range(0, features).Select(j =>
            $"x{j}").ToArray(),
            elementType: elementType);
        for (long i = 0; i < rows; i++)
        {
            for (int j = 0; j < features; j++) x[j] = Normal(random);
            double z = Numerics.DenseKernels.Dot(x, weights) + intercept;
            writer.WriteRow(x, logistic ? (random.NextDouble() < 1 / (1 + Math.Exp(-z / scale)) ? 1 : 0) : z
                + noise * Normal(random));
        }
        return (weights, intercept, writer.Complete());
    }

    /// <summary>Writes a sparse data file shaped like text: each row has <paramref name="nonzerosPerRow"/> distinct
    /// features drawn with power-law frequencies (feature j about ∝ 1/(j + 1), as words are), standard normal values
    /// scaled to unit row norm (as rcv1's rows are), labels from the same model as <see cref="Write"/> with
    /// scale √K. Returns the true weights and intercept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] Weights, double Intercept, DataFileHeader Header) WriteSparse(string path, long rows,
        int features, int nonzerosPerRow, double noise, int seed, bool logistic = false,
        ElementType elementType = ElementType.Float64)
    {
        var random = new Random(seed);
        var weights = Enumerable.Range(0, features).Select(_ => Normal(random)).ToArray();
        double intercept = Normal(random), scale = Math.Sqrt(nonzerosPerRow), logD = Math.Log(features + 1.0);
        var chosen = new HashSet<int>();
        var indices = new int[nonzerosPerRow];
        var values = new double[nonzerosPerRow];
        using var writer = new SparseDataFileWriter(path, features, elementType: elementType);
        for (long i = 0; i < rows; i++)
        {
            chosen.Clear();
            while (chosen.Count < nonzerosPerRow)
                chosen.Add(Math.Min(features - 1, (int)Math.Exp(random.NextDouble() * logD) - 1));
            chosen.CopyTo(indices);
            Array.Sort(indices);
            double norm = 0;
            for (int k = 0; k < values.Length; k++) norm += (values[k] = Normal(random)) * values[k];
            norm = Math.Sqrt(norm);
            double z = intercept;
            for (int k = 0; k < values.Length; k++)
            {
                values[k] = elementType == ElementType.Float32 ? (float)(values[k] / norm) : values[k] / norm;
                z += values[k] * weights[indices[k]] * scale;
            }
            writer.WriteRow(indices, values, logistic ? (random.NextDouble() < 1 / (1 + Math.Exp(-z / scale)) ? 1 : 0)
                : z + noise * Normal(random));
        }
        return (weights, intercept, writer.Complete());
    }

    private static double Normal(Random random)
    {
        double u = 1.0 - random.NextDouble(), v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}
