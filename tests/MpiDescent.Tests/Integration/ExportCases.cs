namespace MpiDescent.Tests.Integration;

/// <summary>The models the export tests (LIBLINEAR, ONNX) export: every loss, an L1 and a standardized model, on the
/// shipped real data; and the steps that make one.</summary>
public static class ExportCases
{
    /// <summary>(CSV file, loss, train options) per case.</summary>
    public static readonly TestCaseData[] All =
    [
        new("diabetes.csv", "squared", new[] { "--solver", "exact", "--l2", "0.1" }),
        new("diabetes.csv", "squared", new[] { "--solver", "lbfgs", "--standardize", "--l2", "0.01" }),
        new("breast_cancer.csv", "logistic", new[] { "--solver", "lbfgs", "--standardize", "--l2", "0.01" }),
        new("breast_cancer.csv", "logistic", new[] { "--solver", "lbfgs", "--standardize", "--l1", "0.01" }),
        new("breast_cancer.csv", "hinge", new[] { "--solver", "gd", "--standardize", "--max-iterations", "100" }),
        new("breast_cancer.csv", "squared-hinge", new[] { "--solver", "lbfgs", "--standardize", "--l2", "0.01" }),
        new("digits.csv", "softmax", new[] { "--solver", "lbfgs", "--l2", "0.01", "--max-iterations", "40" }),
    ];

    /// <summary>The shipped CSV file <paramref name="name"/>.</summary>
    public static string Csv(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", name);

    /// <summary>Converts <paramref name="csv"/> into a data file in <paramref name="dir"/> and trains a model on
    /// it; returns the case's name (for further files) and the paths of both.</summary>
    public static (string Name, string Data, string Model) Train(string dir, string csv, string loss, string[] options)
    {
        string name = $"{Path.GetFileNameWithoutExtension(csv)}-{loss}{string.Join("", options)}".Replace("--", "-");
        var data = Path.Combine(dir, name + ".bin");
        var model = Path.Combine(dir, name + ".json");
        var convert = MpiJob.Run(0, "convert", Csv(csv), data);
        Assert.That(convert.ExitCode, Is.EqualTo(0), convert.ToString());
        var train = MpiJob.Run(0, ["train", data, "--loss", loss, "--model", model, "--quiet", .. options]);
        Assert.That(train.ExitCode, Is.EqualTo(0).Or.EqualTo(8), train.ToString());
        return (name, data, model);
    }
}
