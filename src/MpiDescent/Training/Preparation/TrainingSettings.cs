using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Training.Privacy;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// What to train, as a library caller or the command line asks for it: the objective (loss, penalties, class weights,
/// intercept, standardization, summation), the solver and its parameters, and when to stop. A learning rate or seed
/// left null is chosen by the run (1/L from a power iteration; a seed drawn by rank 0). <see cref="Validate"/> checks
/// every combination in one place.
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>The per-example loss.</summary>
    public LossKind Loss { get; init; } = LossKind.Squared;
    /// <summary>λ₂: the penalty (λ₂/2)‖w‖² (never on the intercept).</summary>
    public double L2 { get; init; }
    /// <summary>λ₁: the penalty λ₁‖w‖₁.</summary>
    public double L1 { get; init; }
    /// <summary>Class weights of the binary losses.</summary>
    public ClassWeights ClassWeights { get; init; } = ClassWeights.None;
    /// <summary>The solver.</summary>
    public SolverInfo Solver { get; init; } = SolverCatalog.Get(SolverKind.GradientDescent);
    /// <summary>A fixed learning rate, or null for the automatic one.</summary>
    public double? LearningRate { get; init; }
    /// <summary>gd: a backtracking line search from the learning rate.</summary>
    public bool LineSearch { get; init; }
    /// <summary>μ of momentum and nesterov.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Iteration limit (iterative full-batch solvers).</summary>
    public int MaxIterations { get; init; } = 1000;
    /// <summary>Epochs (sgd).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Global mini-batch size (sgd).</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>sgd's learning-rate schedule by epoch: constant, inverse-scaling or step.</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>Stop when ‖∇J‖ ≤ tolerance·‖∇J(θ₀)‖.</summary>
    public double Tolerance { get; init; } = 1e-6;
    /// <summary>Also stop when the loss changes by at most this much, relative (0: off).</summary>
    public double LossTolerance { get; init; }
    /// <summary>Fraction of rows held out for validation (0: none).</summary>
    public double ValidationFraction { get; init; }
    /// <summary>Early-stopping patience with a validation split (0: off).</summary>
    public int Patience { get; init; }
    /// <summary>The shuffling seed, or null to draw one on rank 0.</summary>
    public ulong? Seed { get; init; }
    /// <summary>Fit an intercept.</summary>
    public bool FitIntercept { get; init; } = true;
    /// <summary>Train on standardized features; the model is returned on the raw scale.</summary>
    public bool Standardize { get; init; }
    /// <summary>How sums are taken (reproducible: bitwise the same model at any rank count).</summary>
    public Summation Summation { get; init; } = Summation.Reproducible;
    /// <summary>Each rank holds only its slice of θ and of the solver's vectors (<see cref="Model.ParameterSpace"/>);
    /// the model is bitwise the same as a replicated run's.</summary>
    public bool PartitionModel { get; init; }
    /// <summary>sgd's class-balanced draws (with balanced class weights in the objective), or none.</summary>
    public BalanceMode Balance { get; init; } = BalanceMode.None;
    /// <summary>Differentially private SGD (clipped rows, Poisson batches, Gaussian noise), or null.</summary>
    public PrivacySettings? Privacy { get; init; }

    /// <summary>A regularization path trained in the same passes, or null for one penalty.</summary>
    public PenaltyPath? Path { get; init; }
    /// <summary>The folds of k-fold cross-validation (0: none).</summary>
    public int Folds { get; init; }
    /// <summary>Cross-validation chooses the strongest penalty whose mean validation loss is within one standard
    /// error of the least (glmnet's lambda.1se), instead of the least.</summary>
    public bool OneStandardError { get; init; }

    /// <summary>A path's models start from the model of the penalty before (of their fold), strongest first, instead
    /// of from 0: fewer iterations for the weak penalties, each model then equal to its lone run to the tolerance
    /// rather than bit for bit.</summary>
    public bool WarmStart { get; init; }

    /// <summary>The models trained together: the path's strengths times the folds.</summary>
    public int ModelsTrainedTogether => (Path?.Length ?? 1) * Math.Max(Folds, 1);

    /// <summary>The iteration (or, for stochastic solvers, epoch) limit.</summary>
    public int Limit => Solver.Stochastic ? Epochs : MaxIterations;

    /// <summary>Checks that the settings make sense together.</summary>
    /// <exception cref="UsageException">The first combination that does not, in the words of the options.</exception>
    public void Validate()
    {
        string solver = Solver.Name;
        if (Solver.Kind == SolverKind.Exact && Loss != LossKind.Squared)
            throw new UsageException("--solver exact solves least squares only (--loss squared)");
        if (LearningRate is not null && !Solver.NeedsLearningRate)
            throw new UsageException(Solver.Kind switch
            {
                SolverKind.Lbfgs => "--learning-rate does not apply to lbfgs (it uses a Wolfe line search)",
                SolverKind.Newton => "--learning-rate does not apply to newton (it uses a line search)",
                SolverKind.DualCoordinate => "--learning-rate does not apply to dcd (its steps are exact)",
                _ => $"--learning-rate does not apply to --solver {solver} (a direct solve)",
            });
        if (Solver.Kind == SolverKind.DualCoordinate && Loss is not (LossKind.Hinge or LossKind.SquaredHinge))
            throw new UsageException("--solver dcd solves the hinge and squared-hinge losses (its dual is theirs)");
        if (Solver.Kind == SolverKind.DualCoordinate && !(L2 > 0))
            throw new UsageException("--solver dcd needs an L2 penalty (--l2 > 0): the dual is bounded by it");
        if (Solver.Kind == SolverKind.Newton && Loss == LossKind.Hinge)
            throw new UsageException("--solver newton needs a loss with a second derivative: the hinge loss has none " +
                "(use --loss squared-hinge, or --solver lbfgs)");
        if (LineSearch && Solver.Kind != SolverKind.GradientDescent) throw new UsageException("--line-search " +
            "applies to --solver gd");
        if (ClassWeights.Any && !Loss.IsBinary())
            throw new UsageException("--class-weight applies to the binary losses (logistic, hinge, squared-hinge)");
        if (Patience > 0 && ValidationFraction <= 0) throw new UsageException("--patience needs --validation-fraction");
        if (ValidationFraction > 0 && !Solver.Iterative)
            throw new UsageException("--validation-fraction needs an iterative solver");
        if (Schedule != "constant"
            && !Solver.Stochastic) throw new UsageException("--schedule applies to --solver sgd");
        if (L1 > 0 && !Solver.SupportsL1)
            throw new UsageException("an L1 penalty needs --solver "
                + string.Join(", ", SolverCatalog.All.Where(s => s.SupportsL1).Select(s => s.Name))
                    + $", not {solver}");
        if (PartitionModel && !Solver.SupportsPartitionedModel)
            throw new UsageException("--partition-model applies to --solver "
                + string.Join(", ", SolverCatalog.All.Where(s => s.SupportsPartitionedModel).Select(s => s.Name))
                + $", not {solver}");
        if (Seed is not null && !Solver.Iterative)
            throw new UsageException($"--seed does not apply to --solver {solver} (a direct solve)");
        if (Path is not null || Folds > 0 || WarmStart) ValidateModelSearch();
        if (Balance != BalanceMode.None) ValidateBalance();
        if (Privacy is not null) ValidatePrivacy(Privacy);
    }

    /// <summary>What a regularization path and cross-validation need.</summary>
    private void ValidateModelSearch()
    {
        if (WarmStart && Path is null) throw new UsageException("--warm-start applies to a regularization path");
        string what = Path is not null ? $"--{Path.Option}" : "--cv";
        if (Folds == 1 || Folds < 0) throw new UsageException("--cv takes 2 or more folds");
        if (Path is { Length: < 1 }) throw new UsageException("--path-length is at least 1");
        if (ModelsTrainedTogether > PenaltyPath.MaxModels)
            throw new UsageException($"{what} would train {ModelsTrainedTogether} models together (path length " +
                $"{Path?.Length ?? 1} x {Math.Max(Folds, 1)} folds); at most {PenaltyPath.MaxModels}");
        if (Path is { Kind: PenaltyKind.L1 or PenaltyKind.ElasticNet } && !Solver.SupportsL1)
            throw new UsageException($"--{Path.Option} varies an L1 penalty: it needs --solver "
                + string.Join(", ", SolverCatalog.All.Where(s => s.SupportsL1).Select(s => s.Name))
                + $", not {Solver.Name}");
        if (!Solver.Iterative && Path is not null && Path.Kind != PenaltyKind.L2)
            throw new UsageException($"--solver {Solver.Name} takes an L2 penalty only");
        if (ValidationFraction > 0)
            throw new UsageException($"--validation-fraction does not apply to {what}: " + (Folds > 0
                ? "each fold is held out in turn" : "hold out rows with --cv FOLDS to compare the path's models"));
        if (PartitionModel)
            throw new UsageException($"--partition-model does not apply to {what}: each rank holds every model");
        if (Privacy is not null)
            throw new UsageException($"{what} does not apply to differentially private training: choosing among " +
                "models by their loss on the private rows is not accounted for");
        if (OneStandardError && Folds == 0) throw new UsageException("--cv-select applies to --cv");
        if (WarmStart && !Solver.Batchable)
            throw new UsageException($"--warm-start applies to --solver " + string.Join(", ",
                SolverCatalog.All.Where(s => s.Batchable).Select(s => s.Name)) + $", not {Solver.Name}");
    }

    /// <summary>What --balance needs.</summary>
    private void ValidateBalance()
    {
        if (!Solver.Stochastic)
            throw new UsageException($"--balance applies to --solver sgd (it draws the mini-batches); --solver " +
                $"{Solver.Name} reads every row each iteration: use --class-weight balanced, the same objective");
        if (!Loss.IsBinary() && !Loss.IsMultiClass())
            throw new UsageException("--balance needs a classification loss (logistic, hinge, squared-hinge, softmax)");
        if (ClassWeights.Any)
            throw new UsageException("--balance weighs the classes itself (balanced): drop --class-weight");
        if (Privacy is not null)
            throw new UsageException("--balance does not apply to differentially private training: its batches " +
                "must be Poisson samples of all rows, and the class counts are private");
    }

    /// <summary>What would make the privacy guarantee false, refused.</summary>
    private void ValidatePrivacy(PrivacySettings privacy)
    {
        privacy.Validate();
        const string Private = "differentially private training (--dp-noise or --dp-epsilon)";
        if (!Solver.Stochastic)
            throw new UsageException($"{Private} needs --solver sgd: its guarantee is that of Poisson-sampled " +
                $"mini-batches, and --solver {Solver.Name} reads every row at every step (its privacy is not " +
                "accounted for)" + (Solver.Kind is SolverKind.Momentum or SolverKind.Adam ? $"; for private " +
                $"{Solver.Name} on mini-batches use --solver sgd --dp-optimizer {Solver.Name}" : ""));
        if (LearningRate is null)
            throw new UsageException($"{Private} needs --learning-rate: the automatic rate is estimated from the " +
                "private rows");
        if (Seed is not null)
            throw new UsageException($"--seed does not apply to {Private}: the batches and the noise must be secret, " +
                "so rank 0 draws their seed from the operating system's cryptographic generator");
        if (Standardize)
            throw new UsageException($"--standardize does not apply to {Private}: the features' means and standard " +
                "deviations would be computed from the private rows without noise; scale the data beforehand with " +
                "public bounds");
        if (ValidationFraction > 0)
            throw new UsageException($"--validation-fraction does not apply to {Private}: early stopping on held-out " +
                "private rows is not accounted for; train for a fixed number of epochs and validate on data of its " +
                "own");
        if (ClassWeights.Balanced)
            throw new UsageException($"--class-weight balanced does not apply to {Private}: its weights come from " +
                "the private class counts; give the two classes' weights as numbers instead");
        if (PartitionModel) throw new UsageException($"--partition-model does not apply to {Private}");
        if (L1 > 0 && privacy.Update != PrivateUpdate.Sgd)
            throw new UsageException($"--l1 needs --dp-optimizer sgd (its proximal step), not " +
                $"{privacy.Update.ToString().ToLowerInvariant()}");
    }
}
