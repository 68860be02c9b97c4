using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Paths;

/// <summary>Where one model of a path stands: finished (<paramref name="Result"/>), stopped or saved at the top of an
/// iteration (<paramref name="State"/>, to continue from exactly), or not started (neither).</summary>
public sealed record PathModelProgress(SolverState? State = null, OptimizationResult? Result = null)
{
    /// <summary>Not started.</summary>
    public static readonly PathModelProgress NotStarted = new();

    /// <summary>A copy of <paramref name="state"/> that owns its vectors (a solver hands out its own arrays, valid
    /// only during the checkpoint call), with the last two history records, what resuming needs.</summary>
    public static PathModelProgress Saved(SolverState state) => new(state with
    {
        Point = state.Point.ToArray(),
        Auxiliary = state.Auxiliary?.Select(a => a.ToArray()).ToArray(),
        History = state.History.Skip(Math.Max(0, state.History.Count - 2)).ToArray(),
    });

    /// <summary>A finished model, its history cut to the last two records (the path's outputs use only the
    /// result's figures).</summary>
    public static PathModelProgress Finished(OptimizationResult result) => new(Result: result with
    {
        History = result.History.Skip(Math.Max(0, result.History.Count - 2)).ToArray(),
    });
}

/// <summary>
/// The progress of every model of a regularization path or cross-validation, what a checkpoint of one holds: each
/// model is independent of the others (its evaluations are the bits of its lone run, whatever round they share), so
/// any combination of finished models and saved states continues to the same results at any rank count.
/// </summary>
/// <param name="Description">The path, folds and starts it was made for (<see cref="Describe"/>): a resume must ask
/// for the same.</param>
/// <param name="Models">Every model, in the path's order (fold by fold, strongest penalty first).</param>
/// <param name="ReferenceNorms">With warm starts, each model's gradient norm at 0 once measured (its relative
/// tolerance's denominator); else null.</param>
public sealed record PathProgress(string Description, PathModelProgress[] Models, double[]? ReferenceNorms = null)
{
    /// <summary>Whether every model is finished.</summary>
    public bool Finished => Models.All(m => m.Result is not null);

    /// <summary>The path, folds and starts of <paramref name="settings"/> in words, e.g. "l2 0.1..1e-05, 10
    /// penalties, 5 folds, cold starts".</summary>
    public static string Describe(Preparation.TrainingSettings settings)
    {
        var path = settings.Path;
        static string F(double v) => PathTraining.Format(v);
        string penalties = path is null ? $"l1 {F(settings.L1)}, l2 {F(settings.L2)}"
            : $"{path.StrengthName} {F(path.Strength(0))}..{F(path.Strength(path.Length - 1))}, {path.Length} " +
              "penalties" + (path.Kind == Preparation.PenaltyKind.ElasticNet ? $", elastic net {F(path.Alpha)}" : "");
        return $"{penalties}, {settings.Folds} folds, " + (settings.WarmStart ? "warm starts" : "cold starts");
    }
}
