namespace MpiDescent.Training.Privacy;

/// <summary>How differentially private training steps with each noisy mini-batch gradient g (<c>--dp-optimizer</c>).
/// Every rule uses only g, so the privacy spent is the same for all three (post-processing).</summary>
public enum PrivateUpdate
{
    /// <summary>θ ← θ − r·g (then the L1 proximal step, if any).</summary>
    Sgd,

    /// <summary>Heavy ball: v ← μ·v − r·g, θ ← θ + v (as <c>--solver momentum</c>, on mini-batches).</summary>
    Momentum,

    /// <summary>Adam with β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ and bias correction by the global step count (as
    /// <c>--solver adam</c>, on mini-batches).</summary>
    Adam,
}
