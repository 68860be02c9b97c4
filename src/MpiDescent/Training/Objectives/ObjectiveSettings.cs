using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>What a <see cref="LinearObjective"/> computes: the loss, intercept, L2 strength λ₂, class weights (binary
/// losses: labels ≤ 0 are the negative class; softmax: <see cref="MultiClassWeights"/>; W follows from them through
/// <see cref="RowWeights"/>), the summation mode, and the number of classes K (softmax).</summary>
public sealed record ObjectiveSettings(LossKind Loss = LossKind.Squared, bool FitIntercept = true, double L2 = 0,
    double NegativeClassWeight = 1, double PositiveClassWeight = 1, Summation Summation = Summation.Reproducible,
    int Classes = 1)
{
    /// <summary>Softmax: the weight of each class k (K values), or null when every class weighs 1.</summary>
    public IReadOnlyList<double>? MultiClassWeights { get; init; }

    /// <summary>Whether some row weighs other than 1 by its class.</summary>
    public bool HasClassWeights => Loss.IsBinary() ? NegativeClassWeight != 1 || PositiveClassWeight != 1
        : Loss.IsMultiClass() && MultiClassWeights is not null;

    /// <summary>The parameter layout for rows of <paramref name="features"/> features: K = <see cref="Classes"/>
    /// weight vectors for softmax, one otherwise.</summary>
    public Model.ParameterLayout LayoutFor(int features) =>
        new(features, Loss.IsMultiClass() ? Classes : 1, FitIntercept);

    /// <summary>The weight of a row with this label.</summary>
    public double ClassWeight(double label) =>
        Loss.IsBinary() ? (label > 0 ? PositiveClassWeight : NegativeClassWeight)
        : Loss.IsMultiClass() && MultiClassWeights is { } weights ? weights[(int)label] : 1;
}
