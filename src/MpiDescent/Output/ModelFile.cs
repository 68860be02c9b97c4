using System.Text.Json;
using System.Text.Json.Serialization;
using MpiDescent.IO;
using MpiDescent.Losses;

namespace MpiDescent.Output;

/// <summary>A trained linear model as saved by <c>train</c> and read by <c>predict</c> and <c>evaluate</c>.</summary>
public sealed record ModelFile
{
    /// <summary>The format tag every model file carries.</summary>
    public const string FormatName = "mpidescent-model";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    [JsonRequired]
    public string Format { get; init; } = FormatName;
    /// <summary>Model format version: 1, or 2 for a model whose weights are in a <see cref="WeightsFile"/> (so that a
    /// program that reads only version 1 refuses it by its version instead of finding no weights).</summary>
    [JsonRequired]
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
    /// <summary>The classes' names when the training data's labels were text (class k is the k-th: for the binary
    /// losses the negative then the positive class), or null; predict prints them.</summary>
    public string[]? ClassNames { get; init; }
    /// <summary>Softmax: K weight vectors (K × features); <see cref="Weights"/> is then empty.</summary>
    public double[][]? WeightMatrix { get; init; }
    /// <summary>Softmax: K intercepts.</summary>
    public double[]? Intercepts { get; init; }
    /// <summary>Features per row, the length of each weight vector.</summary>
    public int Features { get; init; }
    /// <summary>Feature names in weight order, or null when the data had none (a wide or hashed model would otherwise
    /// carry a generated name per feature).</summary>
    public string[]? FeatureNames { get; init; }
    /// <summary>One weight per feature, on the raw (unstandardized) features (in the file: empty when
    /// <see cref="WeightsFile"/> holds them).</summary>
    public required double[] Weights { get; init; }
    /// <summary>A wide model (more than <see cref="ModelWeightsFile.InlineLimit"/> weights): the binary file beside
    /// the model that holds <see cref="Weights"/> or <see cref="WeightMatrix"/>, which the file then leaves empty;
    /// null when they are inline. <see cref="Read"/> fills them in from it.</summary>
    public ModelWeightsFile? WeightsFile { get; init; }
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
    /// <summary>The differential privacy of the weights (DP-SGD runs only).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Training.Privacy.PrivacyGuarantee? Privacy { get; init; }
    /// <summary>Objective value at the saved weights.</summary>
    public double FinalLoss { get; init; }
    /// <summary>Iterations (gd) or epochs (sgd) run.</summary>
    public int Iterations { get; init; }
    /// <summary>Why training stopped.</summary>
    public string Exit { get; init; } = "";
    /// <summary>Whether the solver reached its tolerance (or the exact solution); false: the weights are the best point
    /// found, not the optimum.</summary>
    public bool Converged { get; init; }

    /// <summary>Number of features the model expects (models written before <see cref="Features"/> existed give it by
    /// their names).</summary>
    public int FeatureCount => Features > 0 ? Features : FeatureNames?.Length ?? 0;

    /// <summary>The model as scoring uses it: θ in its parameter layout.</summary>
    public Model.LinearModel ToLinearModel()
    {
        var loss = Losses.LossKinds.Parse(Loss);
        if (WeightMatrix is { } matrix)
        {
            var multi = new Model.ParameterLayout(FeatureCount, matrix.Length, FitIntercept: true);
            return new Model.LinearModel(loss, multi, multi.Compose(matrix, Intercepts), ClassLabels, ClassNames);
        }
        var layout = new Model.ParameterLayout(FeatureCount, 1, FitIntercept: true);
        return new Model.LinearModel(loss, layout, layout.Compose([Weights], [Intercept]), ClassLabels, ClassNames);
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically: its weights inline when there are at most
    /// <see cref="ModelWeightsFile.InlineLimit"/>, else first into the weights file beside it
    /// (<see cref="ModelWeightsFile.PathFor"/>), which the model then names.</summary>
    /// <exception cref="InputFileException">A file cannot be written.</exception>
    public void Write(string path)
    {
        var vectors = WeightMatrix ?? [Weights];
        if (!ModelWeightsFile.IsNeeded((long)vectors.Length * vectors[0].Length))
        {
            Json.Write(path, this with { Version = 1, WeightsFile = null });
            return;
        }
        var weightsFile = ModelWeightsFile.Write(ModelWeightsFile.PathFor(path), vectors);
        Json.Write(path, this with { Version = 2, Weights = [], WeightMatrix = null, WeightsFile = weightsFile });
    }

    /// <summary>Reads a model file (and its weights file, when it names one) and checks every field scoring uses, in
    /// one place.</summary>
    /// <exception cref="InputFileException">Missing, not JSON, not a MpiDescent model, or a field that is missing or
    /// out of range; the message names the file and the field (or the weights file and what is wrong with
    /// it).</exception>
    public static ModelFile Read(string path)
    {
        using var stream = InputFile.OpenRead(path);
        ModelFile? model;
        try { model = JsonSerializer.Deserialize<ModelFile>(stream, Json.Options); }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException
                                      or OverflowException or NotSupportedException)
        {
            throw new InputFileException(path, $"not a valid model file: {e.Message}", e);
        }
        if (model is null) throw new InputFileException(path, "not a valid model file: it is empty (null)");
        model.ValidateHeader(path);
        if (model.WeightsFile is { } weightsFile) model = model.WithWeightsFrom(weightsFile, path);
        model.ValidateWeights(path);
        return model;
    }

    private static void Fail(string path, string field, string problem) =>
        throw new InputFileException(path, $"field {field}: {problem}");

    private ModelFile WithWeightsFrom(ModelWeightsFile weightsFile, string path)
    {
        bool multiClass = LossKinds.Parse(Loss).IsMultiClass();
        if (Weights is { Length: > 0 } || WeightMatrix is not null)
            Fail(path, multiClass ? "weightMatrix" : "weights", "given inline and in weightsFile; keep one");
        if (multiClass && Intercepts is not { Length: >= 2 })
            Fail(path, "intercepts", "must hold one intercept per class (two or more)");
        var weights = weightsFile.Read(path, multiClass ? Intercepts!.Length : 1, FeatureCount);
        return multiClass ? this with { WeightMatrix = weights } : this with { Weights = weights[0] };
    }

    private void ValidateHeader(string path)
    {
        void Fail(string field, string problem) => ModelFile.Fail(path, field, problem);
        if (Format != FormatName) Fail("format", $"'{Format}' is not '{FormatName}': not a MpiDescent model");
        if (Version is not (1 or 2))
            Fail("version", $"{Version} is not supported (this program reads versions 1 and 2)");
        if ((Version == 2) != (WeightsFile is not null))
            Fail("version", $"{Version} with{(WeightsFile is null ? "out" : "")} a weightsFile: version 2 models, and "
                + "only they, keep their weights in a weights file");
        if (Loss is null || !LossKinds.All.Any(k => k.Name() == Loss))
            Fail("loss", $"unknown loss '{Loss}' (one of {string.Join(", ", LossKinds.All.Select(k => k.Name()))})");
        var loss = LossKinds.Parse(Loss!);
        if (Features < 0) Fail("features", $"{Features} is negative");
        if (FeatureNames is { } names)
        {
            if (names.Any(n => n is null)) Fail("featureNames", "holds a null name");
            if (Features > 0 && names.Length != Features)
                Fail("featureNames", $"{names.Length} names for {Features} features");
        }
        if (FeatureCount == 0) Fail("features", "missing: the model gives neither its feature count nor feature names");
    }

    private void ValidateWeights(string path)
    {
        void Fail(string field, string problem) => ModelFile.Fail(path, field, problem);
        var loss = LossKinds.Parse(Loss);
        int d = FeatureCount;
        if (loss.IsMultiClass())
        {
            if (WeightMatrix is null) Fail("weightMatrix", "missing: a softmax model has one weight vector per class");
            if (WeightMatrix!.Length < 2) Fail("weightMatrix",
                $"{WeightMatrix.Length} classes; softmax needs two or more");
            for (int k = 0; k < WeightMatrix.Length; k++)
            {
                if (WeightMatrix[k] is null) Fail($"weightMatrix[{k}]", "missing");
                if (WeightMatrix[k].Length != d) Fail($"weightMatrix[{k}]",
                    $"{WeightMatrix[k].Length} weights for {d} features");
                if (!WeightMatrix[k].All(double.IsFinite)) Fail($"weightMatrix[{k}]",
                    "holds a value that is not finite");
            }
            if (Intercepts is null || Intercepts.Length != WeightMatrix.Length)
                Fail("intercepts", $"must hold one intercept per class ({WeightMatrix.Length})");
            if (!Intercepts!.All(double.IsFinite)) Fail("intercepts", "holds a value that is not finite");
            if (ClassNames is not null && (ClassNames.Length < WeightMatrix.Length
                || ClassNames.Any(string.IsNullOrEmpty)))
                Fail("classNames", $"names {ClassNames.Length} classes, fewer than the model's " +
                    $"{WeightMatrix.Length}, or an empty one");
            return;
        }
        if (Weights is null) Fail("weights", "missing");
        if (Weights!.Length != d) Fail("weights", $"{Weights.Length} weights for {d} features");
        if (!Weights.All(double.IsFinite)) Fail("weights", "holds a value that is not finite");
        if (!double.IsFinite(Intercept)) Fail("intercept", $"{Intercept} is not finite");
        if (loss.IsBinary()
            && (ClassLabels is not { Length: 2 } labels || labels[0] is not (0 or -1) || labels[1] != 1))
            Fail("classLabels", "a binary model names its two classes as in the data: [0, 1] or [-1, 1]");
        if (ClassNames is not null && (!loss.IsBinary() || ClassNames.Length != 2
            || ClassNames.Any(string.IsNullOrEmpty)))
            Fail("classNames", "names the classes of text labels: two for a binary model, none for regression");
    }
}
