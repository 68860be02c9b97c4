namespace MpiDescent.Losses;

/// <summary>
/// A per-example loss ℓ(z, y) of the linear prediction z = x·w + b and the label y, with its derivative ∂ℓ/∂z.
/// Implemented by structs, so that the kernels are specialized for each loss by the JIT and pay no virtual call.
/// </summary>
public interface ILoss
{
    /// <summary>ℓ(z, y) and ∂ℓ/∂z at the same point.</summary>
    (double Value, double Derivative) Evaluate(double z, double y);

    /// <summary>Whether <see cref="EvaluateMany"/> is faster than row-by-row evaluation (a vectorized implementation); a
    /// constant per loss, so the JIT keeps only one path of the kernel.</summary>
    bool Batched { get; }

    /// <summary>The same for many rows at once (the kernels call this once per sub-block when <see cref="Batched"/>).</summary>
    void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values, Span<double> derivatives);
}

/// <summary>The losses MpiDescent offers, by command-line name.</summary>
public enum LossKind
{
    /// <summary>½(z − y)²: least squares (regression).</summary>
    Squared,
    /// <summary>log(1 + e^(−yz)), y ∈ {−1, +1}: logistic regression.</summary>
    Logistic,
    /// <summary>max(0, 1 − yz), y ∈ {−1, +1}: linear SVM (a subgradient at the kink).</summary>
    Hinge,
    /// <summary>max(0, 1 − yz)², y ∈ {−1, +1}: L2-loss linear SVM (smooth).</summary>
    SquaredHinge,
    /// <summary>−z_y + log Σ_k e^(z_k), y ∈ {0, …, K−1}: multinomial logistic regression (K weight vectors).</summary>
    Softmax,
}

/// <summary>Facts about each loss.</summary>
public static class LossKinds
{
    /// <summary>Whether the loss classifies labels −1/+1 (given as 0/1 or −1/+1 in the data).</summary>
    public static bool IsBinary(this LossKind kind) => kind is LossKind.Logistic or LossKind.Hinge or LossKind.SquaredHinge;

    /// <summary>The command-line name.</summary>
    public static string Name(this LossKind kind) => kind switch
    {
        LossKind.Squared => "squared",
        LossKind.Logistic => "logistic",
        LossKind.Hinge => "hinge",
        LossKind.Softmax => "softmax",
        _ => "squared-hinge",
    };

    /// <summary>Parses a command-line name.</summary>
    public static LossKind Parse(string name) => name switch
    {
        "squared" => LossKind.Squared,
        "logistic" => LossKind.Logistic,
        "hinge" => LossKind.Hinge,
        "squared-hinge" => LossKind.SquaredHinge,
        "softmax" => LossKind.Softmax,
        _ => throw new ArgumentException($"unknown loss '{name}'"),
    };

    /// <summary>The formula, as written into model files.</summary>
    public static string Formula(this LossKind kind) => kind switch
    {
        LossKind.Squared => "1/2 (z - y)^2",
        LossKind.Logistic => "log(1 + exp(-y z)), y in {-1,+1}",
        LossKind.Hinge => "max(0, 1 - y z), y in {-1,+1}",
        LossKind.Softmax => "-z_y + log sum_k exp(z_k), z_k = x.w_k + b_k, y in {0..K-1}",
        _ => "max(0, 1 - y z)^2, y in {-1,+1}",
    };
}
