namespace MpiDescent.Output;

/// <summary>What <c>generate</c> writes beside a synthetic data file (<c>NAME.truth.json</c>): the weights and
/// intercept the labels were made from, and how.</summary>
/// <param name="Weights">The true weights, one per feature.</param>
/// <param name="Intercept">The true intercept.</param>
/// <param name="Noise">The standard deviation of the noise added to regression labels.</param>
/// <param name="Seed">The seed of the generator.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Features">Features per row.</param>
public sealed record SyntheticTruth(double[] Weights, double Intercept, double Noise, int Seed, long Rows,
    int Features);
