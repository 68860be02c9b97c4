using System.Globalization;

namespace MpiDescent.Training.Preparation;

/// <summary>Which penalty a regularization path varies.</summary>
public enum PenaltyKind
{
    /// <summary>λ₂ (<c>--l2-path</c>).</summary>
    L2,
    /// <summary>λ₁ (<c>--l1-path</c>).</summary>
    L1,
    /// <summary>The elastic net's total strength λ, with λ₁ = αλ and λ₂ = (1 − α)λ (<c>--regularization-path</c>
    /// with <c>--elastic-net α</c>).</summary>
    ElasticNet,
}

/// <summary>
/// A regularization path: <see cref="Length"/> penalty strengths from <see cref="Strongest"/> down to <see
/// cref="Weakest"/>, evenly spaced on a log scale (glmnet's and scikit-learn's grids), the ends exactly as given.
/// </summary>
/// <param name="Kind">The penalty varied.</param>
/// <param name="Strongest">The first, largest strength.</param>
/// <param name="Weakest">The last, smallest strength.</param>
/// <param name="Length">How many strengths (1: the strongest alone).</param>
/// <param name="Alpha">The elastic net's α (<see cref="PenaltyKind.ElasticNet"/>).</param>
public sealed record PenaltyPath(PenaltyKind Kind, double Strongest, double Weakest, int Length, double Alpha = 0)
{
    /// <summary>The most models a path (times the folds of cross-validation) may train together.</summary>
    public const int MaxModels = 1024;

    /// <summary>Strength k, 0-based, from the strongest.</summary>
    public double Strength(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, Length);
        if (k == 0) return Strongest;
        if (k == Length - 1) return Weakest;
        return Strongest * Math.Pow(Weakest / Strongest, k / (double)(Length - 1));
    }

    /// <summary>Every strength, strongest first.</summary>
    public double[] Strengths => Enumerable.Range(0, Length).Select(Strength).ToArray();

    /// <summary>(λ₁, λ₂) at strength k, the penalty the path does not vary taken from <paramref name="l1"/> and
    /// <paramref name="l2"/> (the run's own).</summary>
    public (double L1, double L2) Penalties(int k, double l1, double l2)
    {
        double s = Strength(k);
        return Kind switch
        {
            PenaltyKind.L2 => (l1, s),
            PenaltyKind.L1 => (s, l2),
            _ => (Alpha * s, (1 - Alpha) * s),
        };
    }

    /// <summary>The option that gives it: l2-path, l1-path or regularization-path.</summary>
    public string Option => Kind switch
    {
        PenaltyKind.L2 => "l2-path",
        PenaltyKind.L1 => "l1-path",
        _ => "regularization-path",
    };

    /// <summary>The strength's name in tables: l2, l1 or regularization.</summary>
    public string StrengthName => Kind switch
    {
        PenaltyKind.L2 => "l2",
        PenaltyKind.L1 => "l1",
        _ => "regularization",
    };

    /// <summary>Parses "A..B" (two positive numbers; the larger is the strongest).</summary>
    /// <exception cref="UsageException">Not two positive finite numbers.</exception>
    public static (double Strongest, double Weakest) ParseRange(string option, string text)
    {
        var parts = text.Split("..");
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double b)
            && a > 0 && b > 0 && double.IsFinite(a) && double.IsFinite(b))
            return (Math.Max(a, b), Math.Min(a, b));
        throw new UsageException($"--{option} takes a range STRONG..WEAK of two positive numbers (e.g. 1..1e-4), " +
            $"not '{text}'");
    }
}
