using MpiDescent.Model;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// A differentiable objective over the whole (distributed) data set. <see cref="Evaluate"/> is collective: every
/// rank calls it with the same point and receives the same, already reduced, value and gradient. Solvers see only
/// this interface and know nothing of MPI.
/// </summary>
public interface IObjective
{
    /// <summary>Number of parameters.</summary>
    int Dimension { get; }

    /// <summary>The vectors of <see cref="Evaluate"/>: all of θ, or this rank's slice of it when the model is
    /// partitioned; solvers take their dot products and norms through it. All of θ unless the objective says
    /// otherwise.</summary>
    ParameterSpace Space => ParameterSpace.Whole(Dimension);

    /// <summary>Computes the objective at <paramref name="point"/>, writes its gradient, and returns its
    /// value.</summary>
    /// <exception cref="Numerics.NonFiniteValueException">The value or gradient is not finite (agreed by all
    /// ranks).</exception>
    double Evaluate(ReadOnlySpan<double> point, Span<double> gradient);

    /// <summary>Full passes over the data so far.</summary>
    long Evaluations { get; }

    /// <summary>The loss on held-out validation rows at the last evaluated point (NaN without a validation
    /// split).</summary>
    double ValidationLoss => double.NaN;

    /// <summary>Collective, after every rank caught the same overflow: names what overflowed at the last point whose
    /// evaluation did (the file, row and rank), or is empty when the objective cannot tell.</summary>
    string DescribeNonFinite() => "";
}
