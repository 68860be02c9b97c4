namespace MpiDescent.Training.Privacy;

/// <summary>
/// What differentially private training was asked for: the clip norm C, the δ of the guarantee, and either the noise
/// multiplier σ (noise N(0, σ²C²) per parameter and step) or a target ε that σ is calibrated to before training, for
/// the planned epochs.
/// </summary>
/// <param name="ClipNorm">C: every row's gradient is clipped to this L2 norm.</param>
/// <param name="Delta">δ of the (ε, δ) guarantee.</param>
/// <param name="NoiseMultiplier">σ, or null to calibrate it to <paramref name="TargetEpsilon"/>.</param>
/// <param name="TargetEpsilon">The ε to calibrate σ to, or null when σ is given.</param>
public sealed record PrivacySettings(double ClipNorm, double Delta, double? NoiseMultiplier, double? TargetEpsilon)
{
    /// <summary>The update rule applied to each noisy gradient.</summary>
    public PrivateUpdate Update { get; init; } = PrivateUpdate.Sgd;

    /// <summary>Checks the values alone (the combination with the solver is checked by the training
    /// settings).</summary>
    /// <exception cref="UsageException">The first value that is wrong, in the words of the options.</exception>
    public void Validate()
    {
        if ((NoiseMultiplier is null) == (TargetEpsilon is null))
            throw new UsageException("differentially private training takes either --dp-noise SIGMA or --dp-epsilon " +
                "EPS (to calibrate sigma to), not both or neither");
        if (!(ClipNorm > 0) || !double.IsFinite(ClipNorm))
            throw new UsageException("--dp-clip must be a positive number (each row's gradient is clipped to it)");
        if (!(Delta > 0 && Delta < 1)) throw new UsageException("--dp-delta must be in (0, 1), well below 1/rows");
        if (NoiseMultiplier is { } sigma && !(sigma > 0 && double.IsFinite(sigma)))
            throw new UsageException("--dp-noise must be a positive number (the noise's standard deviation over the " +
                "clip norm)");
        if (TargetEpsilon is { } epsilon && !(epsilon > 0 && double.IsFinite(epsilon)))
            throw new UsageException("--dp-epsilon must be a positive number");
    }
}
