namespace MpiDescent.Losses;

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
    /// <summary>Every loss, in the order the help lists them.</summary>
    public static readonly LossKind[] All = Enum.GetValues<LossKind>();

    /// <summary>Whether the loss classifies labels −1/+1 (given as 0/1 or −1/+1 in the data).</summary>
    public static bool IsBinary(this LossKind kind) =>
        kind is LossKind.Logistic or LossKind.Hinge or LossKind.SquaredHinge;

    /// <summary>Whether the loss classifies labels 0, …, K−1 with K margins per row.</summary>
    public static bool IsMultiClass(this LossKind kind) => kind == LossKind.Softmax;

    /// <summary>Whether predictions of the loss's models are probabilities (logistic and softmax).</summary>
    public static bool HasProbabilities(this LossKind kind) => kind is LossKind.Logistic or LossKind.Softmax;

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
    public static LossKind Parse(string name)
    {
        foreach (var kind in All)
            if (kind.Name() == name) return kind;
        throw new ArgumentException($"unknown loss '{name}'");
    }

    /// <summary>The formula, as written into model files.</summary>
    public static string Formula(this LossKind kind) => kind switch
    {
        LossKind.Squared => "1/2 (z - y)^2",
        LossKind.Logistic => "log(1 + exp(-y z)), y in {-1,+1}",
        LossKind.Hinge => "max(0, 1 - y z), y in {-1,+1}",
        LossKind.Softmax => "-z_y + log sum_k exp(z_k), z_k = x.w_k + b_k, y in {0..K-1}",
        _ => "max(0, 1 - y z)^2, y in {-1,+1}",
    };

    /// <summary>A bound on ℓ″(z): 1 (squared), 1/4 (logistic), 2 (squared hinge), 1/2 (softmax, per margin); 1 for the
    /// hinge loss, which has none (its subgradient method needs a decreasing step or a line search to converge
    /// exactly).</summary>
    public static double CurvatureBound(this LossKind kind) => kind switch
    {
        LossKind.Logistic => 0.25,
        LossKind.SquaredHinge => 2,
        LossKind.Softmax => 0.5,
        _ => 1,
    };
}
