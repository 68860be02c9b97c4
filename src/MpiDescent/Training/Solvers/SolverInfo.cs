namespace MpiDescent.Training.Solvers;

/// <summary>The solvers MpiDescent offers.</summary>
public enum SolverKind
{
    /// <summary>Full-batch gradient descent, proximal with L1, optionally with a backtracking line search.</summary>
    GradientDescent,
    /// <summary>Distributed mini-batch SGD (proximal with L1).</summary>
    Sgd,
    /// <summary>The exact least-squares solve of the normal equations.</summary>
    Exact,
    /// <summary>L-BFGS with a strong Wolfe line search; OWL-QN with L1.</summary>
    Lbfgs,
    /// <summary>Gradient descent with heavy-ball momentum.</summary>
    Momentum,
    /// <summary>Nesterov's accelerated gradient.</summary>
    Nesterov,
    /// <summary>Adam on the full gradient.</summary>
    Adam,
    /// <summary>Truncated Newton: preconditioned conjugate gradients on Hessian-vector products, then a line
    /// search.</summary>
    Newton,
    /// <summary>Dual coordinate descent (hinge and squared hinge with L2), in one global row order.</summary>
    DualCoordinate,
}

/// <summary>
/// Everything the rest of the program needs to know about a solver, said once: its name, its unit (an iteration, or an
/// epoch of mini-batches), whether it needs a learning rate, supports L1, samples rows, iterates at all, what its
/// checkpoint holds, and what to do when it diverges. The command line, its help, the checks of options, checkpoints
/// and reports read this registry (<see cref="SolverCatalog"/>); nothing compares solver names.
/// </summary>
/// <param name="Kind">Which solver.</param>
/// <param name="Name">The command-line name.</param>
/// <param name="Summary">One line for the help.</param>
/// <param name="Stochastic">Whether it samples mini-batches of rows (its unit is then the epoch).</param>
/// <param name="Iterative">Whether it iterates (false: a direct solve).</param>
/// <param name="NeedsLearningRate">Whether it takes <c>--learning-rate</c>.</param>
/// <param name="SupportsL1">Whether it handles an L1 penalty.</param>
/// <param name="CheckpointHolds">What its checkpoint keeps besides θ and the history.</param>
/// <param name="DivergenceAdvice">What a user should change when it diverges.</param>
public sealed record SolverInfo(SolverKind Kind, string Name, string Summary, bool Stochastic, bool Iterative,
    bool NeedsLearningRate, bool SupportsL1, string CheckpointHolds, string DivergenceAdvice)
{
    /// <summary>"epoch" or "iteration".</summary>
    public string Unit => Stochastic ? "epoch" : "iteration";

    /// <summary>"epochs" or "iterations".</summary>
    public string Units => Unit + "s";

    /// <summary>Whether it runs on a model partitioned across ranks (<c>--partition-model</c>): the full-batch
    /// first-order methods, whose vectors are updated elementwise and reduced only through dot products and
    /// norms.</summary>
    public bool SupportsPartitionedModel =>
        Kind is SolverKind.GradientDescent or SolverKind.Lbfgs or SolverKind.Momentum or SolverKind.Nesterov
            or SolverKind.Adam;

    /// <summary>Whether it sees the objective only through <see cref="Objectives.IObjective"/> (values and
    /// gradients at points), so that many models can share passes in lockstep (a regularization path,
    /// cross-validation): the full-batch first-order methods. The others train a path's models in turn.</summary>
    public bool Batchable => SupportsPartitionedModel;

    /// <summary>Whether every vector of its checkpointed state has θ's length (curvature pairs, velocity, moments),
    /// so that a partitioned run saves them gathered and resumes from their slices; gd's state is a step
    /// size.</summary>
    public bool StateIsParameterVectors =>
        Kind is SolverKind.Lbfgs or SolverKind.Momentum or SolverKind.Nesterov or SolverKind.Adam;
}

/// <summary>The registry of solvers.</summary>
public static class SolverCatalog
{
    /// <summary>Every solver, in the order the help lists them.</summary>
    public static readonly IReadOnlyList<SolverInfo> All =
    [
        new(SolverKind.GradientDescent, "gd",
            "full-batch gradient descent (default; proximal with l1; --line-search: backtracking)", false, true, true,
            true, "the last accepted step size",
            "use a smaller --learning-rate, the default 'auto', or --line-search"),
        new(SolverKind.Sgd, "sgd", "distributed mini-batch SGD (the global batch is the same at any rank count)", true,
            true, true, true, "the epoch and the row position within it (the row order is a function of the seed)",
            "use a smaller --learning-rate or a decreasing --schedule"),
        new(SolverKind.Exact, "exact",
            "the exact least-squares solve (Cholesky of the normal equations; ridge with l2)",
            false, false, false, false, "nothing (a direct solve)", "check the data for huge values"),
        new(SolverKind.Lbfgs, "lbfgs", "L-BFGS with a strong Wolfe line search (OWL-QN with l1)", false, true, false,
            true, "the curvature pairs (up to 10)", "standardize the features (--standardize)"),
        new(SolverKind.Momentum, "momentum", "gradient descent with heavy-ball momentum", false, true, true, false,
            "the velocity", "use a smaller --learning-rate or --momentum"),
        new(SolverKind.Nesterov, "nesterov", "Nesterov's accelerated gradient", false, true, true, false,
            "the velocity",
            "use a smaller --learning-rate or --momentum"),
        new(SolverKind.Adam, "adam", "Adam on the full gradient", false, true, true, false,
            "the first and second moments", "use a smaller --learning-rate"),
        new(SolverKind.Newton, "newton",
            "truncated Newton (LIBLINEAR's: preconditioned CG on Hessian-vector products, line search; not hinge, l1)",
            false, true, false, false, "nothing (the Hessian is recomputed at the point)",
            "standardize the features (--standardize)"),
        new(SolverKind.DualCoordinate, "dcd",
            "dual coordinate descent (LIBLINEAR's -s 3/-s 1): the exact hinge or squared-hinge optimum with l2; ranks "
            + "take turns", false, true, false, false, "the dual variables (gathered from every rank) and their sums",
            "check the data for huge values"),
    ];

    /// <summary>The command-line names.</summary>
    public static IEnumerable<string> Names => All.Select(s => s.Name);

    /// <summary>The solver named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No solver has that name.</exception>
    public static SolverInfo Get(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown solver '{name}'");

    /// <summary>The solver of <paramref name="kind"/>.</summary>
    public static SolverInfo Get(SolverKind kind) => All.First(s => s.Kind == kind);
}
