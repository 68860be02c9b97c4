using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>What a <see cref="LinearObjective"/> computes: the loss, intercept, L2 strength λ₂, class weights (binary
/// losses; labels ≤ 0 are the negative class; W follows from them through <see cref="RowWeights"/>), the summation
/// mode, and the number of classes K (softmax).</summary>
public sealed record ObjectiveSettings(LossKind Loss = LossKind.Squared, bool FitIntercept = true, double L2 = 0,
    double NegativeClassWeight = 1, double PositiveClassWeight = 1, Summation Summation = Summation.Reproducible,
    int Classes = 1)
{
    /// <summary>The parameter layout for rows of <paramref name="features"/> features: K = <see cref="Classes"/>
    /// weight vectors for softmax, one otherwise.</summary>
    public Model.ParameterLayout LayoutFor(int features) =>
        new(features, Loss.IsMultiClass() ? Classes : 1, FitIntercept);

    /// <summary>The weight of a row with this label.</summary>
    public double ClassWeight(double label) => !Loss.IsBinary() ? 1 : label > 0 ? PositiveClassWeight
        : NegativeClassWeight;
}
