using System.Globalization;
using MpiDescent.Losses;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// What a user is told when a run ends short of its tolerance (<see cref="OptimizationResult.FellShort"/>): that the
/// model is not the optimum, how far from stationary it is, and what to change, chosen from the settings and how the
/// run ended. Never silent: the console warns, and the report and model say <c>converged: false</c>.
/// </summary>
public static class ConvergenceAdvice
{
    /// <summary>The warning line for the console.</summary>
    public static string Warning(TrainingSettings settings, OptimizationResult result) =>
        string.Create(CultureInfo.InvariantCulture,
            $"MpiDescent: warning: not converged ({result.Exit}, relative gradient norm " +
            $"{result.RelativeGradientNorm:G3} > tolerance {settings.Tolerance:G3}): the model is the best point " +
            $"{settings.Solver.Name} found, not the optimum. {For(settings, result)}");

    /// <summary>The concrete changes that address how the run ended, as one sentence.</summary>
    public static string For(TrainingSettings settings, OptimizationResult result)
    {
        var hints = new List<string>();
        var kind = settings.Solver.Kind;
        bool firstOrder = settings.Solver.NeedsLearningRate; // gd, sgd, momentum, nesterov, adam
        if (settings.Loss == LossKind.Hinge && kind != SolverKind.DualCoordinate)
            hints.Add("the hinge loss has kinks, where line searches and fixed steps stall short of the optimum: use " +
                "--solver dcd (dual coordinate descent, which reaches its exact optimum; needs --l2), or --loss " +
                "squared-hinge (smooth; --solver newton converges on it)");
        else if (result.Exit == ExitCondition.NoProgress && kind is SolverKind.Lbfgs or SolverKind.Newton)
            hints.Add("the run stopped where double precision allows no further decrease: a --tolerance above the " +
                "relative gradient norm reached accepts this point" + (settings.Standardize ? ""
                    : ", and --standardize improves the conditioning"));
        if (firstOrder && !settings.Standardize) hints.Add("standardize the features (--standardize)");
        if (firstOrder && settings.Loss != LossKind.Hinge)
            hints.Add("use --solver lbfgs or newton, which need no learning rate and far fewer iterations");
        if (kind == SolverKind.Adam)
            hints.Add("adam moves each parameter by about its learning rate per iteration: give a --learning-rate " +
                "suited to the size of the weights and intercept (labels in the thousands need a far larger one)");
        if (result.Exit == ExitCondition.MaxIterations)
            hints.Add(settings.Solver.Stochastic ? $"raise --epochs (now {settings.Epochs})"
                : $"raise --max-iterations (now {settings.MaxIterations})");
        if (settings.LearningRate is not null && firstOrder && result.Exit == ExitCondition.MaxIterations)
            hints.Add("or leave --learning-rate to its default, 1/L");
        return "Try: " + string.Join("; ", hints) + ".";
    }
}
