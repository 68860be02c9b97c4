using System.Globalization;

namespace MpiDescent.Training.Privacy;

/// <summary>
/// Differentially private SGD as a run carries it out: noise multiplier σ (given, or calibrated to a target ε),
/// clip norm C, δ, the sampling rate q = batch/m and the steps per epoch T = ⌈m/batch⌉. The privacy spent is a
/// function of the steps taken (<see cref="After"/>), which checkpoints carry as (epoch, position), so a resumed run
/// continues its ε.
/// </summary>
/// <param name="NoiseMultiplier">σ: the noise's standard deviation over C.</param>
/// <param name="ClipNorm">C.</param>
/// <param name="Delta">δ.</param>
/// <param name="SamplingRate">q.</param>
/// <param name="StepsPerEpoch">T.</param>
/// <param name="TargetEpsilon">The ε that σ was calibrated to for the planned epochs, or null when σ was given.</param>
public sealed record PrivacyPlan(double NoiseMultiplier, double ClipNorm, double Delta, double SamplingRate,
    int StepsPerEpoch, double? TargetEpsilon)
{
    /// <summary>The update rule applied to each noisy gradient (sgd, momentum or adam).</summary>
    public PrivateUpdate Update { get; init; } = PrivateUpdate.Sgd;

    /// <summary>The plan of <paramref name="settings"/> for <paramref name="rows"/> rows, batches of <paramref
    /// name="batchSize"/> and <paramref name="epochs"/> planned epochs (σ calibrated when a target ε is
    /// given).</summary>
    /// <exception cref="UsageException">No noise up to 10⁴ reaches the target.</exception>
    public static PrivacyPlan For(PrivacySettings settings, long rows, int batchSize, int epochs)
    {
        double q = Math.Min(1, batchSize / (double)rows);
        int steps = (int)Math.Min(int.MaxValue, (rows + batchSize - 1) / batchSize);
        double sigma;
        if (settings.NoiseMultiplier is { } given) sigma = given;
        else
        {
            double target = settings.TargetEpsilon!.Value;
            try { sigma = SampledGaussianAccountant.CalibrateNoise(q, (long)steps * epochs, settings.Delta, target); }
            catch (ArgumentOutOfRangeException)
            {
                string asked = target.ToString("G4", CultureInfo.InvariantCulture);
                string rate = q.ToString("G4", CultureInfo.InvariantCulture);
                throw new UsageException($"--dp-epsilon {asked} cannot be reached in {epochs} epochs of {steps} " +
                    $"steps (q = {rate}) by any noise multiplier up to 1e4: train fewer epochs, with smaller " +
                    "batches, or accept a larger epsilon");
            }
        }
        return new PrivacyPlan(sigma, settings.ClipNorm, settings.Delta, q, steps, settings.TargetEpsilon)
        {
            Update = settings.Update,
        };
    }

    /// <summary>The guarantee after <paramref name="steps"/> noisy steps.</summary>
    public PrivacyGuarantee After(long steps)
    {
        double epsilon = SampledGaussianAccountant.Epsilon(SamplingRate, NoiseMultiplier, steps, Delta,
            out double order);
        return new PrivacyGuarantee
        {
            Epsilon = epsilon,
            Delta = Delta,
            Steps = steps,
            Order = order,
            NoiseMultiplier = NoiseMultiplier,
            ClipNorm = ClipNorm,
            SamplingRate = SamplingRate,
        };
    }
}
