using MpiDescent.Losses;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>The settings a model was trained with, as model, checkpoint and report files record them: the
/// <see cref="TrainingSettings"/> with what the run chose filled in (the learning rate actually used and where it came
/// from, the seed actually drawn, the class weights actually applied).</summary>
public sealed record RecordedSettings
{
    /// <summary>The solver's name.</summary>
    public string Solver { get; init; } = "gd";
    /// <summary>The learning rate used (0 for solvers that take none).</summary>
    public double LearningRate { get; init; }
    /// <summary>Where it came from: given, auto (with L), or none.</summary>
    public string LearningRateSource { get; init; } = "";
    /// <summary>The iteration limit.</summary>
    public int MaxIterations { get; init; }
    /// <summary>The epochs (sgd).</summary>
    public int Epochs { get; init; }
    /// <summary>The global mini-batch size (sgd).</summary>
    public int BatchSize { get; init; }
    /// <summary>The relative gradient-norm tolerance.</summary>
    public double Tolerance { get; init; }
    /// <summary>The seed used.</summary>
    public ulong Seed { get; init; }
    /// <summary>Whether an intercept was fitted.</summary>
    public bool FitIntercept { get; init; }
    /// <summary>Whether features were standardized.</summary>
    public bool Standardize { get; init; }
    /// <summary>reproducible or plain.</summary>
    public string Summation { get; init; } = "reproducible";
    /// <summary>The loss's name.</summary>
    public string Loss { get; init; } = "squared";
    /// <summary>λ₂.</summary>
    public double L2 { get; init; }
    /// <summary>The weight of the negative class.</summary>
    public double NegativeClassWeight { get; init; } = 1;
    /// <summary>The weight of the positive class.</summary>
    public double PositiveClassWeight { get; init; } = 1;
    /// <summary>gd's line search.</summary>
    public bool LineSearch { get; init; }
    /// <summary>μ (momentum and nesterov; 0 otherwise).</summary>
    public double Momentum { get; init; }
    /// <summary>λ₁.</summary>
    public double L1 { get; init; }
    /// <summary>sgd's schedule.</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>The relative loss-change tolerance.</summary>
    public double LossTolerance { get; init; }
    /// <summary>The validation fraction.</summary>
    public double ValidationFraction { get; init; }
    /// <summary>The early-stopping patience.</summary>
    public int Patience { get; init; }
    /// <summary>sgd's class-balanced draws, oversample or undersample (absent otherwise).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Balance { get; init; }
    /// <summary>Differentially private SGD as carried out (absent otherwise).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition =
        System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Training.Privacy.PrivacyPlan? Privacy { get; init; }

    /// <summary>The record of <paramref name="settings"/> as run.</summary>
    public static RecordedSettings Of(TrainingSettings settings, double learningRate, string learningRateSource,
        ulong seed,
        double negativeClassWeight, double positiveClassWeight, Training.Privacy.PrivacyPlan? privacy = null) => new()
        {
            Solver = settings.Solver.Name,
            LearningRate = learningRate,
            LearningRateSource = learningRateSource,
            MaxIterations = settings.MaxIterations,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Tolerance = settings.Tolerance,
            Seed = seed,
            FitIntercept = settings.FitIntercept,
            Standardize = settings.Standardize,
            Summation = settings.Summation.ToString().ToLowerInvariant(),
            Loss = settings.Loss.Name(),
            L2 = settings.L2,
            NegativeClassWeight = negativeClassWeight,
            PositiveClassWeight = positiveClassWeight,
            LineSearch = settings.LineSearch,
            Momentum = settings.Solver.Kind is SolverKind.Momentum or SolverKind.Nesterov
                || settings.Privacy?.Update == Training.Privacy.PrivateUpdate.Momentum ? settings.Momentum : 0,
            L1 = settings.L1,
            Schedule = settings.Schedule,
            LossTolerance = settings.LossTolerance,
            ValidationFraction = settings.ValidationFraction,
            Patience = settings.Patience,
            Balance = settings.Balance == BalanceMode.None ? null : settings.Balance.ToString().ToLowerInvariant(),
            Privacy = privacy,
        };
}
