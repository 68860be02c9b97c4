namespace MpiDescent.Training.Privacy;

/// <summary>The (ε, δ) differential privacy of a model trained by DP-SGD, as model and report files record
/// it.</summary>
public sealed record PrivacyGuarantee
{
    /// <summary>ε.</summary>
    public double Epsilon { get; init; }
    /// <summary>δ.</summary>
    public double Delta { get; init; }
    /// <summary>Noisy steps taken.</summary>
    public long Steps { get; init; }
    /// <summary>The Rényi order that gave ε.</summary>
    public double Order { get; init; }
    /// <summary>σ.</summary>
    public double NoiseMultiplier { get; init; }
    /// <summary>C.</summary>
    public double ClipNorm { get; init; }
    /// <summary>q.</summary>
    public double SamplingRate { get; init; }
    /// <summary>How ε was computed.</summary>
    public string Accountant { get; init; } = "RDP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar and " +
        "Zhang 2019), orders 1.1-63, conversion of Balle et al. 2020";
    /// <summary>What the guarantee covers.</summary>
    public string Covers { get; init; } = "the model's parameters, with respect to adding or removing one row; the " +
        "loss history, plots and reports are computed from the private rows without noise and are not private";
}
