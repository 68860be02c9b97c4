using MpiDescent.Losses;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>One option of a command: its name without the dashes, the name of its value (null for a flag), and its
/// help.</summary>
public sealed record OptionSpec(string Name, string? Value, string Help);

/// <summary>A command: its name, its positional arguments, a one-line summary, the help's description, its
/// options.</summary>
public sealed record CommandSpec(string Name, string[] Arguments, string Summary, string Description,
    OptionSpec[] Options)
{
    /// <summary>What each positional argument is, by its name.</summary>
    public static string ArgumentHelp(string argument) => argument switch
    {
        "DATA.bin" => "a MpiDescent data file (written by convert or generate)",
        "DATA" => "a data file, or CSV or LIBSVM text (converted once into a cached data file: --data-cache)",
        "INPUT" => "CSV or LIBSVM/svmlight text, a NumPy .npy array or .npz archive, an HDF5 or a Parquet file",
        "OUTPUT.bin" => "the data file to write",
        "MODEL.json" => "a model written by train",
        "OUTPUT" => "the file to write",
        _ => "",
    };

    /// <summary>The option named <paramref name="name"/>, or null.</summary>
    public OptionSpec? Find(string name) => Options.FirstOrDefault(o => o.Name == name);
}

/// <summary>
/// Every command and option of the program, declared once: <see cref="CommandLine"/> builds the System.CommandLine
/// parser from these, the help is generated from them, and docs/usage.md shows that help (a test checks they agree).
/// </summary>
public static class CommandDefinitions
{
    private static string SolverNames => string.Join("|", SolverCatalog.Names);

    /// <summary>The options of a conversion from text: convert's, and train's for a text input. Declared before the
    /// commands that use them (static fields initialize in order).</summary>
    internal static readonly OptionSpec[] ConversionOptions =
    [
        new("format", "FORMAT", "csv|libsvm: input format (default: libsvm for .libsvm/.svm/.svmlight, csv for "
            + ".csv/.tsv, otherwise recognized from the content)"),
        new("label", "NAME|INDEX", "CSV or Parquet label column by name or 0-based index (default: the last column)"),
        new("classes", "NAME,...", "CSV text labels: the class names in order (class k is the k-th), so that files "
            + "converted separately agree; by default a non-numeric label column's names are sorted (ordinal)"),
        new("weight", "NAME|INDEX", "CSV or Parquet column of non-negative example weights (stored in the data file)"),
        new("separator", "C", "CSV separator: a character, 'tab' or 'space' (default: detected from the header)"),
        new("no-header", null, "the CSV has no header row (columns are named c0, c1, ...)"),
        new("features", "D", "LIBSVM (or Parquet --indices) feature count, at most 2147483647 (default: the largest "
            + "index, found in a first pass)"),
        new("zero-based", null, "LIBSVM indices start at 0 (default: at 1, as LIBSVM writes them)"),
        new("hash-bits", "B", "hash LIBSVM indices into 2^B features (1-30; MurmurHash3_x86_32, seed 0, of the "
            + "index as written, as a 4-byte little-endian integer; values sharing a feature in a row are added); "
            + "reports how many distinct indices collided. CSV and Parquet: a sparse file, each numeric column's value "
            + "at the hash of its name (UTF-8)"),
        new("categorical", "COL,...", "CSV or Parquet with --hash-bits: one-hot columns: value s of column c sets the "
            + "feature of the hash of 'c=s' to 1"),
        new("layout", "LAYOUT", "auto|sparse|dense: how LIBSVM rows are stored (default auto: sparse at density "
            + "0.5 or less); dense is refused when the file would exceed 1 GiB and 4 times the sparse file"),
        new("dtype", "TYPE", "float64|float32: storage of every value (default float64). float32 halves the " +
            "file and the "
            + "bytes each iteration reads (computation stays in double); values are rounded to 7 significant "
            + "digits, labels and weights included; beyond ±3.4e38 is an error"),
    ];

    /// <summary>train.</summary>
    public static readonly CommandSpec Train = new("train", ["DATA"],
        "train a model (any number of ranks, or none)",
        """
        Minimizes J(w,b) = (1/W) sum_i c_i l(x_i.w + b, y_i) + (l2/2)|w|^2 + l1|w|_1 over all rows (docs/models.md);
        every rank reads only its slice. The intercept b is never penalized. SIGTERM or SIGUSR1 on any rank stops all
        ranks at the next iteration with a checkpoint (exit code 5). 'MpiDescent DATA.bin' is short for 'MpiDescent
        train DATA.bin'. DATA may be CSV or LIBSVM text: rank 0 converts it once, with convert's options (below),
        into a data file beside it (--data-cache), which later runs reuse while the text and the options are unchanged.
        """,
        [
            new("loss", "LOSS", string.Join("|", LossKinds.All.Select(k => k.Name())) + ": squared (default, "
                + "regression), a binary loss (labels 0/1 or -1/+1), or softmax (multi-class, labels 0..K-1)"),
            new("l2", "L", "penalty (l2/2)|w|^2 (default 0)"),
            new("l1", "L", "penalty l1|w|_1 (default 0)"),
            new("elastic-net", "A", "with --regularization L: l1 = A*L, l2 = (1-A)*L (Spark and scikit-learn's " +
                "convention)"),
            new("regularization", "L", "the total penalty strength of --elastic-net"),
            new("class-weight", "WEIGHTS",
                "balanced|C:W,C:W: binary losses' weight per class (balanced: m / (2 * class "
                + "count))"),
            new("solver", "SOLVER", SolverNames + ". " + string.Join("; ", SolverCatalog.All.Select(s =>
                $"{s.Name}: {s.Summary}"))),
            new("learning-rate", "X|auto", "step size; auto (default) = 1/L with L bounded from the data's largest "
                + "curvature (power iteration); for adam |grad J(0)|_inf / L, gd's largest first move; lbfgs, newton, "
                + "dcd and exact take none"),
            new("line-search", null, "gd: backtracking (Armijo) search from the learning rate; cannot diverge"),
            new("momentum", "M", "momentum and nesterov: M (default 0.9)"),
            new("max-iterations", "N", "iteration limit (default 1000; sgd uses --epochs)"),
            new("epochs", "N", "sgd epochs (default 10)"),
            new("batch-size", "B", "sgd global mini-batch, the same at any rank count (default 256; 1 = plain SGD)"),
            new("schedule", "NAME", "constant|inverse-scaling|step: sgd rate by epoch e: r, r/sqrt(e+1), or "
                + "r*0.5^floor(e/10)"),
            new("balance", "MODE", "none|oversample|undersample: sgd draws every class equally often, an epoch of "
                + "K x the largest or the smallest class, on balanced class weights (default none)"),
            new("tolerance", "T", "stop when |grad| <= T * |grad at start| (default 1e-6); with l1 the " +
                "pseudo-gradient's "
                + "norm"),
            new("loss-tolerance", "T", "also stop when the loss changes by at most T relative (default off)"),
            new("require-convergence", null, "exit 8 when the run ends short of its tolerance (iteration limit, or "
                + "no further progress); the model is still written, with converged: false"),
            new("validation-fraction", "F",
                "hold out a fraction F of the rows (by a hash of the row index, the same at any rank count; "
                + "classification: round(F * n) of each class's n rows); their loss is reported per iteration at no "
                + "extra pass"),
            new("patience", "N", "with a validation split: stop when the validation loss has not improved for N "
                + "iterations (epochs for sgd) and keep the best point (default 10)"),
            new("seed", "K", "sgd shuffling seed (default: drawn by rank 0 and recorded in the model)"),
            new("dp-noise", "SIGMA", "differentially private sgd (docs/privacy.md): Poisson-sampled batches of "
                + "expected size --batch-size, each row's gradient clipped to --dp-clip, Gaussian noise of standard "
                + "deviation SIGMA * clip added to each step's sum; epsilon is printed each epoch and recorded"),
            new("dp-epsilon", "EPS", "instead of --dp-noise: the noise calibrated before training so that the "
                + "planned epochs spend EPS at --dp-delta"),
            new("dp-clip", "C", "private training: the L2 norm every row's gradient is clipped to"),
            new("dp-delta", "D", "private training: the delta of the (epsilon, delta) guarantee, well below 1/rows"),
            new("dp-optimizer", "RULE", "sgd|momentum|adam: private training's step with each noisy mini-batch "
                + "gradient (default sgd; momentum takes --momentum; the same epsilon for all three)"),
            new("no-intercept", null, "fit no intercept b"),
            new("standardize", null, "train on standardized features (penalties apply to the standardized weights); "
                + "the model is saved on the raw scale"),
            new("summation", "MODE", "reproducible (default): bitwise the same model at any rank count; plain: " +
                "ordinary "
                + "floating-point sums"),
            new("partition-model", null, "each rank holds only its slice of the parameters and of the solver's "
                + "vectors (gd, lbfgs, momentum, nesterov, adam): the gradient is reduce-scattered, the weights "
                + "all-gathered, the model bitwise the same; chosen automatically when the replicated vectors would "
                + "not fit"),
            new("l2-path", "STRONG..WEAK", "a regularization path: --path-length l2 penalties from STRONG to WEAK, "
                + "log-spaced, every model trained in the same passes over the data (gd, lbfgs, momentum, nesterov, "
                + "adam; other solvers in turn) and equal to the model trained alone; without --cv each is written "
                + "as MODEL with .path-NN.json"),
            new("l1-path", "STRONG..WEAK", "as --l2-path, for the l1 penalty (gd, sgd, lbfgs)"),
            new("regularization-path", "STRONG..WEAK", "as --l2-path, for the elastic net's total strength (with "
                + "--elastic-net A)"),
            new("path-length", "K", "penalties on the path (default 10)"),
            new("warm-start", null, "each penalty's models start from the previous penalty's (of their fold), "
                + "strongest first, the folds of one penalty in lockstep: fewer iterations for weak penalties; each "
                + "model then equals its lone run to the tolerance, not bit for bit"),
            new("cv", "F", "k-fold cross-validation: F folds by a hash of the row index (the same at any rank count; "
                + "classification: stratified by class), the F x K models trained together; prints each penalty's "
                + "mean and spread of the validation loss (and accuracy, and ROC AUC for binary classifiers), chooses "
                + "one (--cv-select) and refits it on all rows as the model"),
            new("cv-select", "RULE", "min|1se: the penalty of least mean validation loss (default), or the strongest "
                + "within one standard error of it (glmnet's lambda.1se)"),
            new("cv-output", "PATH", "the path's table as CSV: each penalty's settings, its models' losses and, with "
                + "--cv, mean, standard deviation and standard error of the validation loss, accuracy, every fold's "
                + "loss and the choice"),
            new("cv-folds-output", "PATH", "with --cv: each row's fold as CSV (row and fold, 1-based), to hand to "
                + "another tool"),
            new("model", "PATH", "model file (default: DATA.model.json beside the data); a model of more than "
                + "16384 weights keeps them in the binary file beside it with the extension .weights.bin"),
            new("report", "PATH", "JSON report: settings, data facts, timings per rank, loss history"),
            new("plan", "PLAN.json", "a plan of this data (plan --json): print and report its prediction for this "
                + "rank count beside the measured time per pass and load"),
            new("history", "PATH", "the loss history as CSV (iteration, data passes, loss, gradient norm, seconds)"),
            new("plot", "PATH.png", "convergence plot: the loss, or the relative suboptimality when J* is known "
                + "(least squares, or --reference-loss), against iteration (epoch for sgd) and time, and the relative "
                + "gradient norm; with --cv, the mean validation loss (and its standard error) against the penalty"),
            new("reference-loss", "J", "with --plot: the optimal objective J* (e.g. the finalLoss of a tight lbfgs or "
                + "newton run), so that the plot shows the relative suboptimality for any loss"),
            new("log-every", "N", "print every N-th iteration (default: 20 lines per run; every epoch for sgd); to a "
                + "terminal a progress bar instead"),
            new("verbose", null, "print every iteration"),
            new("quiet", null, "print only the summary"),
            new("checkpoint", "PATH", "checkpoint file (default: MODEL with .checkpoint.json); written atomically by "
                + "rank 0"),
            new("checkpoint-every", "N", "checkpoint every N iterations (gd) or epochs (sgd); a path's or "
                + "cross-validation's models each save at their own N-th iterations, one checkpoint holding them all"),
            new("checkpoint-interval", "S", "checkpoint when S seconds passed since the last one (rank 0's clock, "
                + "agreed)"),
            new("resume", "PATH", "continue from a checkpoint (same data; any rank count); bitwise the same result"),
            new("status", "PATH", "the run's status file: running, then completed, not-converged, diverged, "
                + "interrupted (with the checkpoint to resume from), stalled or failed, and the exit code (default: "
                + "MODEL with .status.json)"),
            new("stall-timeout", "S", "end the job (exit 7, naming the ranks that did not arrive) when a collective "
                + "waits more than S seconds for another rank (default 900; 0: never)"),
            new("data-cache", "PATH", "a text input's data file (default: INPUT.mpidescent.bin beside it), made "
                + "by converting INPUT once and reused while INPUT (size and XXH3-64 checksum) and the conversion "
                + "options are unchanged; a stamp INPUT.mpidescent.source.json records them"),
            .. ConversionOptions,
        ]);

    /// <summary>convert.</summary>
    public static readonly CommandSpec Convert = new("convert", ["INPUT", "OUTPUT.bin"],
        "text, NumPy, HDF5 or Parquet to a data file",
        """
        Streams CSV or LIBSVM/svmlight text, or arrays (X.npy with --labels y.npy, an .npz archive, or an HDF5 file
        with --dataset and --labels), into a data file in constant memory. Array input: a 2-D features array, labels
        and weights 1-D (or one column); NumPy: any numeric dtype (bool, int8-int64, uint8-uint64, float16-float64,
        either byte order), C or Fortran order; HDF5 (read with PureHDF): integers and float32/float64, little-endian,
        contiguous or chunked (deflate, shuffle). It takes only --labels, --weights, --dataset and --dtype, and is
        written dense. Parquet (.parquet, read with Parquet.Net one row group at a time): numeric columns, with
        --label and --weight as for CSV, --dtype, --fill-missing for nulls, --categorical with --hash-bits for string
        columns, and --indices with --values for sparse rows kept as two list columns.
        """,
        [
        .. ConversionOptions,
        new("labels", "FILE|NAME", "array input: the labels, a .npy file for X.npy (required), the array's name in an "
            + ".npz archive (default y), or the dataset's path in an HDF5 file (required)"),
        new("weights", "FILE|NAME", "array input: non-negative example weights, a .npy file, an .npz array's name or "
            + "an HDF5 dataset's path (default: none)"),
        new("dataset", "NAME", "the features array's name in an .npz archive (default X), or the dataset's path in "
            + "an HDF5 file (required, e.g. /features)"),
        new("fill-missing", "HOW", "Parquet: fill a null feature value with zero, mean (the column's mean, found in a "
            + "first pass) or a number; a null string cell or list then sets no feature (default: a null is an error "
            + "naming the column and row; labels and weights are never filled)"),
        new("indices", "COL", "Parquet: a list column of each row's feature indices (0-based), with --values: the "
            + "file is sparse, with the largest index + 1 features (or --features D), or hashed with --hash-bits"),
        new("values", "COL", "Parquet: the list column of the values at --indices (the same length in every row)"),
        ]);

    /// <summary>generate.</summary>
    public static readonly CommandSpec Generate = new("generate", ["OUTPUT.bin"], "synthetic data with known weights",
        """
        Writes y = x.w + b + S*e with x, w, b, e standard normal (seeded), and the true w and b to OUTPUT.truth.json;
        with --labels logistic, y in {0, 1} with P(y = 1) = sigmoid((x.w + b) / sqrt(D)). With --sparse, each row has
        K features drawn with power-law frequencies (like words in text) and unit norm, and x.w is scaled by sqrt(K).
        """,
        [
            new("rows", "N", "rows (required)"),
            new("features", "D", "features (required)"),
            new("noise", "S", "noise standard deviation (default 0.1)"),
            new("seed", "K", "random seed (default 1)"),
            new("labels", "KIND", "regression (default) or logistic (binary labels 0/1)"),
            new("dtype", "TYPE", "float64 (default) or float32 storage, as for convert"),
            new("sparse", null, "write a sparse file (e.g. rcv1's shape: --rows 677399 --features 47236 "
                + "--nonzeros-per-row 74)"),
            new("nonzeros-per-row", "K", "with --sparse: features per row, at most D/2 (default min(D, 10))"),
        ]);

    /// <summary>inspect.</summary>
    public static readonly CommandSpec Inspect = new("inspect", ["DATA.bin"], "print the header, verify checksums",
        "Prints the header (rows, features, names, checksum) and verifies every block checksum. Exit code 3 if " +
            "corrupt.",
        []);

    /// <summary>predict.</summary>
    public static readonly CommandSpec Predict = new("predict", ["MODEL.json", "DATA.bin"], "predictions in row order",
        """
        Each rank predicts its slice; the ranks write their parts in row order to one CSV: column 'prediction'
        (regression), 'class' (binary losses: labels as in the training data; softmax: 0..K-1), or with --proba
        'probability' of the positive class (logistic) or columns p0..pK-1 (softmax).
        """,
        [
            new("output", "PREDICTIONS.csv", "where the predictions go (required)"),
            new("proba", null, "probabilities instead of classes (logistic and softmax models)"),
        ]);

    /// <summary>evaluate.</summary>
    public static readonly CommandSpec Evaluate = new("evaluate", ["MODEL.json", "DATA.bin"],
        "regression or classification metrics",
        """
        Regression: MSE, RMSE, MAE and R². Binary: accuracy, precision, recall, F1, log loss (logistic) and ROC AUC
        (from a reduced histogram, with its error bound). Softmax: accuracy and log loss. Classifiers also get the
        balanced accuracy, macro F1, precision, recall, F1 and support per class, and the confusion matrix (up to 30
        classes). Every sum is reduced over all ranks.
        """,
        []);

    /// <summary>export.</summary>
    public static readonly CommandSpec Export = new("export", ["MODEL.json", "OUTPUT"],
        "the model in another program's format",
        """
        Writes the model (and its weights file, if it has one) in another program's format. liblinear: LIBLINEAR's
        model file, so that liblinear-predict and LIBLINEAR's load_model give its predictions: logistic as L2R_LR
        (L1R_LR with --l1), squared hinge as L2R_L2LOSS_SVC (L1R_L2LOSS_SVC), hinge as L2R_L1LOSS_SVC_DUAL, squared as
        L2R_L2LOSS_SVR, softmax as L2R_LR with one weight vector per class (the same classes; LIBLINEAR's probabilities
        for it are one-vs-rest); the intercept is the weight of LIBLINEAR's bias feature (bias 1), and feature j is
        LIBSVM index j + 1. onnx: an ONNX-ML graph for ONNX Runtime and other ONNX tools: input 'input' float [N, D];
        squared as LinearRegressor (output 'variable'), the others as LinearClassifier (outputs 'label' and
        'probabilities', [1 - p, p] or softmax; 'scores' for the hinge losses), class names kept; coefficients float32.
        With --precision float64 the ONNX graph is of standard operators in float64 instead (MatMul, Add, Sigmoid or
        Softmax, Gather; input 'input' double [N, D], the same outputs), which agrees with predict to float64 rounding.
        """,
        [
            new("format", "FORMAT", "liblinear|onnx (default: onnx when OUTPUT ends in .onnx, else liblinear)"),
            new("precision", "P", "onnx: float32 (default; ONNX-ML's LinearRegressor/LinearClassifier, which hold "
                + "float32 coefficients) or float64 (standard operators in double throughout)"),
        ]);

    /// <summary>bench.</summary>
    public static readonly CommandSpec Bench = new("bench", ["DATA.bin"], "kernel and iteration speed",
        """
        Measures on the job's own slices, as medians of R runs (default 20) of the slowest rank: a plain streaming
        read of the feature bytes, the fused least-squares gradient kernel over the same bytes (GB/s and their ratio),
        and one distributed evaluation (kernel, block sums, Allreduce) with reproducible and with plain summation.
        It times the kernel with and without software prefetch (on by default for Intel processors only;
        MPIDESCENT_PREFETCH=1 or 0 overrides). On a float64 file it also times the kernel on a float32 copy of the
        slice (float64/float32 time per pass). It times the logistic pass over the rows streamed and over as many rows
        taken again and again from a few in the L1 cache: their ratio, the pass's arithmetic share, is what each model
        sharing a pass (--l2-path, --cv) costs at least, as a share of a lone pass. Run it under the launcher:
        mpiexec.mpich -n N MpiDescent bench DATA.bin.
        """,
        [
            new("repeat", "R", "runs per measurement (default 20)"),
            new("json", "PATH", "also write the figures as JSON"),
            new("gram", null, "also time the exact solver's pass (XᵀX, Xᵀy, reduction, Cholesky) in both summation "
                + "modes and its Gram kernel alone"),
        ]);

    /// <summary>selftest.</summary>
    public static readonly CommandSpec SelfTest = new("selftest", [], "check every MPI collective on this installation",
        """
        Runs every collective (reductions, reduce-scatter and all-gather over uneven segments, broadcast from every
        root, barrier) against values each rank computes by itself, and times Allreduce. Run it under the launcher:
        mpiexec.mpich -n N MpiDescent selftest. Exit code 1 names the ranks whose checks failed.
        """,
        [new("no-timing", null, "skip the Allreduce timing")]);

    /// <summary>plan.</summary>
    public static readonly CommandSpec Plan = new("plan", ["DATA.bin"], "how many ranks pay off for a training run",
        """
        Measures, under the launcher on the nodes you have, this data's load rate per rank, the training objective's
        pass time per row, and the all-reduce's latency and bandwidth for one evaluation's reduction; then predicts
        for each rank count of --ranks the load time, the time per pass (compute and all-reduce), the speed-up, the
        parallel efficiency and the memory per rank, and names the rank count beyond which the efficiency falls below
        50% and the smallest at which the data fits in memory (docs/cluster.md, "Planning the rank count"). Run it at
        2 or more ranks (at one rank there is no communication to measure): mpiexec.mpich -n 2 MpiDescent plan
        DATA.bin.
        """,
        [
            new("ranks", "N,N,...", "the rank counts to predict (default 1,2,4,...,1024 and the measured one)"),
            new("loss", "LOSS", "the training loss (default squared)"),
            new("no-intercept", null, "fit no intercept b"),
            new("summation", "MODE", "reproducible (default) or plain, as train's"),
            new("solver", "SOLVER", "the solver, for the memory estimate (default gd)"),
            new("passes", "N", "timed passes and all-reduces of each size (default 10)"),
            new("ranks-per-node", "R", "ranks that share one node's memory (default: this node's cores)"),
            new("json", "PATH", "also write the measurement and the table as JSON, for train --plan"),
        ]);

    /// <summary>Every command, in the order the overview lists them.</summary>
    public static readonly CommandSpec[] All = [Train, Convert, Generate, Inspect, Predict, Evaluate, Export, Bench,
        SelfTest, Plan];

    /// <summary>The command named <paramref name="name"/>, or null.</summary>
    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
