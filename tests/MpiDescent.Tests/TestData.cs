using MpiDescent.Data;

namespace MpiDescent.Tests;

/// <summary>Paths to the shipped real data and helpers that make temporary files.</summary>
public static class TestData
{
    /// <summary>scikit-learn's diabetes data (raw features, header row, label 'target').</summary>
    public static string DiabetesCsv => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "diabetes.csv");

    /// <summary>The repository's root (the folder holding MpiDescent.sln) above the test directory.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MpiDescent.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("MpiDescent.sln not found above the test " +
                "directory");
        }
    }

    /// <summary>A fresh temporary directory for one test.</summary>
    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mpidescent-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The diabetes data as arrays (features row-major, labels), parsed here independently of the
    /// converter.</summary>
    public static (double[] X, double[] Y, int Rows, int Features) LoadDiabetes()
    {
        var lines = File.ReadAllLines(DiabetesCsv).Skip(1).Where(l => l.Length > 0).ToArray();
        int d = lines[0].Split(',').Length - 1;
        var x = new double[lines.Length * d];
        var y = new double[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',').Select(c => double.Parse(c,
                System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Array.Copy(cells, 0, x, i * d, d);
            y[i] = cells[d];
        }
        return (x, y, lines.Length, d);
    }

    /// <summary>scikit-learn's breast_cancer: features standardized with the population deviation (as numpy's std),
    /// labels −1/+1 (1 = benign), parsed here independently of the converter.</summary>
    public static (double[] X, double[] Y, int Rows, int D) LoadStandardizedBreastCancer()
    {
        var rows = File.ReadAllLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "data",
                "breast_cancer.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v,
                System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int m = rows.Length, d = rows[0].Length - 1;
        var x = new double[m * d];
        for (int j = 0; j < d; j++)
        {
            double mean = rows.Average(r => r[j]);
            double std = Math.Sqrt(rows.Average(r => (r[j] - mean) * (r[j] - mean)));
            for (int i = 0; i < m; i++) x[i * d + j] = (rows[i][j] - mean) / std;
        }
        return (x, rows.Select(r => r[d] > 0 ? 1.0 : -1.0).ToArray(), m, d);
    }

    /// <summary>Writes the nonzero entries of dense rows to a sparse data file (checksum blocks of 16 rows) and returns
    /// its path.</summary>
    public static string WriteSparseDataFile(string dir, double[] x, double[] y, int features, string name)
    {
        var path = Path.Combine(dir, name);
        using var writer = new SparseDataFileWriter(path, features, checksumBlockRows: 16);
        for (int i = 0; i < y.Length; i++)
        {
            var row = x[(i * features)..((i + 1) * features)];
            var indices = Enumerable.Range(0, features).Where(j => row[j] != 0).ToArray();
            writer.WriteRow(indices, indices.Select(j => row[j]).ToArray(), y[i]);
        }
        writer.Complete();
        return path;
    }

    /// <summary>Each column centred and divided by its population deviation, as numpy's std does.</summary>
    public static double[] Standardized(double[] x, int m, int d)
    {
        var result = new double[m * d];
        for (int j = 0; j < d; j++)
        {
            double mean = Enumerable.Range(0, m).Average(i => x[i * d + j]);
            double std = Math.Sqrt(Enumerable.Range(0, m).Average(i => (x[i * d + j] - mean) * (x[i * d + j] - mean)));
            for (int i = 0; i < m; i++) result[i * d + j] = (x[i * d + j] - mean) / std;
        }
        return result;
    }

    /// <summary>Writes rows to a data file and returns its path.</summary>
    public static string WriteDataFile(string dir, double[] x, double[] y, int features, string name = "data.bin",
        ElementType elementType = ElementType.Float64)
    {
        var path = Path.Combine(dir, name);
        using var writer = new DataFileWriter(path, features, elementType: elementType);
        for (int i = 0; i < y.Length; i++) writer.WriteRow(x.AsSpan(i * features, features), y[i]);
        writer.Complete();
        return path;
    }

    /// <summary>Random matrix and labels y = Xw + 0.5 + noise.</summary>
    public static (double[] X, double[] Y) Synthetic(int rows, int features, int seed, double noise = 0.1)
    {
        var random = new Random(seed);
        var w = Enumerable.Range(0, features).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var x = Enumerable.Range(0, rows * features).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, features).Sum(j => x[i * features
            + j] * w[j]) + 0.5 + noise * (random.NextDouble() - 0.5)).ToArray();
        return (x, y);
    }
}
