using System.Text.Json;
using MpiDescent.IO;

namespace MpiDescent.Output;

/// <summary>A trained linear model as saved by <c>train</c> and read by <c>predict</c> and <c>evaluate</c>.</summary>
public sealed record ModelFile
{
    /// <summary>The format tag every model file carries.</summary>
    public const string FormatName = "mpidescent-model";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;
    /// <summary>Model format version.</summary>
    public int Version { get; init; } = 1;
    /// <summary>The loss: squared, logistic, hinge or squared-hinge.</summary>
    public string Loss { get; init; } = "squared";
    /// <summary>The objective's exact definition.</summary>
    public string Objective { get; init; } = "";
    /// <summary>L2 strength λ₂ in the objective.</summary>
    public double L2 { get; init; }
    /// <summary>L1 strength λ₁ in the objective.</summary>
    public double L1 { get; init; }
    /// <summary>Binary losses: the labels of the negative and the positive class in the data (0 or -1, and
    /// 1).</summary>
    public double[]? ClassLabels { get; init; }
    /// <summary>Softmax: K weight vectors (K × features); <see cref="Weights"/> is then empty.</summary>
    public double[][]? WeightMatrix { get; init; }
    /// <summary>Softmax: K intercepts.</summary>
    public double[]? Intercepts { get; init; }
    /// <summary>Feature names in weight order.</summary>
    public required string[] FeatureNames { get; init; }
    /// <summary>One weight per feature, on the raw (unstandardized) features.</summary>
    public required double[] Weights { get; init; }
    /// <summary>The intercept b (0 when not fitted).</summary>
    public double Intercept { get; init; }
    /// <summary>The data file trained on.</summary>
    public required string DataFile { get; init; }
    /// <summary>That file's content checksum (XXH3-64, hex).</summary>
    public required string DataChecksum { get; init; }
    /// <summary>Rows trained on.</summary>
    public long Rows { get; init; }
    /// <summary>Ranks the job ran on.</summary>
    public int Ranks { get; init; }
    /// <summary>The training settings.</summary>
    public required RecordedSettings Settings { get; init; }
    /// <summary>Objective value at the saved weights.</summary>
    public double FinalLoss { get; init; }
    /// <summary>Iterations (gd) or epochs (sgd) run.</summary>
    public int Iterations { get; init; }
    /// <summary>Why training stopped.</summary>
    public string Exit { get; init; } = "";

    /// <summary>Number of features the model expects.</summary>
    public int FeatureCount => FeatureNames.Length;

    /// <summary>The model as scoring uses it: θ in its parameter layout.</summary>
    public Model.LinearModel ToLinearModel()
    {
        var loss = Losses.LossKinds.Parse(Loss);
        if (WeightMatrix is { } matrix)
        {
            var multi = new Model.ParameterLayout(FeatureCount, matrix.Length, FitIntercept: true);
            return new Model.LinearModel(loss, multi, multi.Compose(matrix, Intercepts), ClassLabels);
        }
        var layout = new Model.ParameterLayout(FeatureCount, 1, FitIntercept: true);
        return new Model.LinearModel(loss, layout, layout.Compose([Weights], [Intercept]), ClassLabels);
    }

    /// <summary>Reads and checks a model file.</summary>
    /// <exception cref="InputFileException">Missing, not JSON, or not a MpiDescent model.</exception>
    public static ModelFile Read(string path)
    {
        using var stream = InputFile.OpenRead(path);
        ModelFile? model;
        try { model = JsonSerializer.Deserialize<ModelFile>(stream, Json.Options); }
        catch (JsonException e) { throw new InputFileException(path, $"not a valid model file: {e.Message}", e); }
        if (model is null || model.Format != FormatName) throw new InputFileException(path,
            $"not a MpiDescent model (format is not '{FormatName}')");
        if (model.WeightMatrix is { } matrix)
        {
            if (matrix.Length < 2 || matrix.Any(row => row.Length != model.FeatureNames.Length)
                || model.Intercepts?.Length != matrix.Length)
                throw new InputFileException(path,
                    "softmax model: weightMatrix must be K x features with K intercepts, K >= 2");
            if (!matrix.All(row => row.All(double.IsFinite))
                || !model.Intercepts.All(double.IsFinite)) throw new InputFileException(path,
                "model has non-finite weights");
            return model;
        }
        if (model.Weights.Length != model.FeatureNames.Length) throw new InputFileException(path,
            "model has different numbers of weights and feature names");
        if (!model.Weights.All(double.IsFinite)
            || !double.IsFinite(model.Intercept)) throw new InputFileException(path, "model has non-finite weights");
        return model;
    }
}
