namespace MpiDescent.Cli;

/// <summary>The help of each command; docs/usage.md shows the same text.</summary>
public static class HelpText
{
    /// <summary>Overview.</summary>
    public const string Main = """
        MpiDescent: distributed training of linear models by gradient descent over MPI.

        Usage:
          mpiexec.mpich -n N MpiDescent DATA.bin [train options]     train with defaults (same as 'train')
          MpiDescent train DATA.bin [options]                        train (any number of ranks, or none)
          MpiDescent convert INPUT OUTPUT.bin [options]              CSV or LIBSVM text to a data file
          MpiDescent generate OUTPUT.bin --rows N --features D       synthetic least-squares data
          MpiDescent inspect DATA.bin                                print the header, verify checksums
          MpiDescent predict MODEL.json DATA.bin --output P.csv      predictions in row order
          MpiDescent evaluate MODEL.json DATA.bin                    regression or classification metrics
          mpiexec.mpich -n N MpiDescent bench DATA.bin               kernel and iteration speed

        Run 'MpiDescent COMMAND --help' for a command's options. Exit codes: 0 ok, 1 internal error,
        2 usage, 3 bad input file, 4 diverged, 5 interrupted (checkpoint saved), 6 MPI setup (docs/operations.md).
        """;

    /// <summary>train.</summary>
    public const string Train = """
        Usage: MpiDescent train DATA.bin [options]

        Minimizes J(w,b) = (1/W) sum_i c_i l(x_i.w + b, y_i) + (l2/2)|w|^2 + l1|w|_1 over all rows (docs/models.md);
        every rank reads only its slice. The intercept b is never penalized.
          --loss squared|logistic|hinge|squared-hinge|softmax
                                    squared (default, regression), a binary loss (labels 0/1 or -1/+1), or
                                    softmax (multi-class, labels 0..K-1)
          --l2 L, --l1 L            penalties (l2/2)|w|^2 and l1|w|_1 (default 0)
          --elastic-net A --regularization L
                                    l1 = A*L, l2 = (1-A)*L (Spark and scikit-learn's convention)
          --class-weight balanced|C:W,C:W
                                    binary losses: weight per class (balanced: m / (2 * class count))
          --solver gd|sgd|exact|lbfgs|momentum|nesterov|adam
                                    full-batch gradient descent (default; proximal with l1), mini-batch SGD,
                                    the exact least-squares solve (Cholesky; ridge with l2), L-BFGS with a
                                    Wolfe line search (OWL-QN with l1), heavy-ball or Nesterov momentum, Adam
          --learning-rate X|auto    step size; auto (default) = 1/L with L bounded from the data's largest
                                    curvature (power iteration); 0.01 for adam; lbfgs and exact take none
          --line-search             gd: backtracking (Armijo) search from the learning rate; cannot diverge
          --momentum M              momentum and nesterov: M (default 0.9)
          --max-iterations N        iteration limit (default 1000; sgd uses --epochs)
          --epochs N                sgd epochs (default 10)
          --batch-size B            sgd global mini-batch, the same at any rank count (default 256; 1 = plain SGD)
          --schedule constant|inverse-scaling|step
                                    sgd rate by epoch e: r, r/sqrt(e+1), or r*0.5^floor(e/10)
          --tolerance T             stop when |grad| <= T * |grad at start| (default 1e-6); with l1 the
                                    pseudo-gradient's norm
          --loss-tolerance T        also stop when the loss changes by at most T relative (default off)
          --validation-fraction F   hold out a fraction F of the rows (by a hash of the row index, the same at any
                                    rank count); their loss is reported per iteration at no extra pass
          --patience N              with a validation split: stop when the validation loss has not improved for
                                    N iterations (epochs for sgd) and keep the best point (default 10)
          --seed K                  sgd shuffling seed (default: drawn by rank 0 and recorded in the model)
          --no-intercept            fit no intercept b
          --standardize             train on standardized features (penalties apply to the standardized
                                    weights); the model is saved on the raw scale
          --summation reproducible|plain
                                    reproducible (default): bitwise the same model at any rank count;
                                    plain: ordinary floating-point sums
          --model PATH              model file (default: DATA.model.json beside the data)
          --report PATH             JSON report: settings, data facts, timings per rank, loss history
          --history PATH            the loss history as CSV (iteration, data passes, loss, gradient norm, seconds)
          --plot PATH.png           convergence plot against iteration and time (log scale; suboptimality
                                    when the least-squares optimum can be computed)
          --log-every N             print every N-th iteration (default: 20 lines per run; every epoch for sgd);
                                    to a terminal a progress bar instead
          --verbose                 print every iteration
          --quiet                   print only the summary
          --checkpoint PATH         checkpoint file (default: MODEL with .checkpoint.json); written atomically by rank 0
          --checkpoint-every N      checkpoint every N iterations (gd) or epochs (sgd)
          --checkpoint-interval S   checkpoint when S seconds passed since the last one (rank 0's clock, agreed)
          --resume PATH             continue from a checkpoint (same data; any rank count); bitwise the same result
        SIGTERM or SIGUSR1 on any rank stops all ranks at the next iteration with a checkpoint (exit code 5).
        """;

    /// <summary>convert.</summary>
    public const string Convert = """
        Usage: MpiDescent convert INPUT OUTPUT.bin [options]

        Streams CSV or LIBSVM/svmlight text into a data file in constant memory.
          --format csv|libsvm       input format (default: libsvm for .libsvm/.svm/.svmlight, else csv)
          --label NAME|INDEX        CSV label column by header name or 0-based index (default: the last column)
          --weight NAME|INDEX       CSV column of non-negative example weights (stored in the data file)
          --separator C             CSV separator: a character, 'tab' or 'space' (default: detected from the header)
          --no-header               the CSV has no header row (columns are named c0, c1, ...)
          --features D              LIBSVM feature count (default: the largest index, found in a first pass)
          --dtype float64|float32   storage of every value (default float64). float32 halves the file and the bytes
                                    each iteration reads (computation stays in double); values are rounded to 7
                                    significant digits, labels and weights included; beyond ±3.4e38 is an error
        """;

    /// <summary>generate.</summary>
    public const string Generate = """
        Usage: MpiDescent generate OUTPUT.bin --rows N --features D [--noise S] [--seed K] [--labels regression|logistic]
                                      [--dtype float64|float32]

        Writes y = x.w + b + S*e with x, w, b, e standard normal (seeded), and the true w and b to OUTPUT.truth.json;
        with --labels logistic, y in {0, 1} with P(y = 1) = sigmoid((x.w + b) / sqrt(D)).
          --rows N        rows (required)
          --features D    features (required)
          --noise S       noise standard deviation (default 0.1)
          --seed K        random seed (default 1)
          --labels K      regression (default) or logistic (binary labels 0/1)
          --dtype T       float64 (default) or float32 storage, as for convert
        """;

    /// <summary>inspect.</summary>
    public const string Inspect = """
        Usage: MpiDescent inspect DATA.bin

        Prints the header (rows, features, names, checksum) and verifies every block checksum. Exit code 3 if corrupt.
        """;

    /// <summary>predict.</summary>
    public const string Predict = """
        Usage: MpiDescent predict MODEL.json DATA.bin --output PREDICTIONS.csv [--proba]

        Each rank predicts its slice; the ranks write their parts in row order to one CSV: column 'prediction'
        (regression), 'class' (binary losses: labels as in the training data; softmax: 0..K-1), or with --proba
        'probability' of the positive class (logistic) or columns p0..pK-1 (softmax).
        """;

    /// <summary>evaluate.</summary>
    public const string Evaluate = """
        Usage: MpiDescent evaluate MODEL.json DATA.bin

        Regression: MSE, RMSE, MAE and R². Binary: accuracy, precision, recall, F1, log loss (logistic) and ROC AUC
        (from a reduced histogram, with its error bound). Softmax: accuracy and log loss. Every sum is reduced over
        all ranks.
        """;

    /// <summary>bench.</summary>
    public const string Bench = """
        Usage: mpiexec.mpich -n N MpiDescent bench DATA.bin [--repeat R] [--json PATH] [--gram]

        Measures on the job's own slices, as medians of R runs (default 20) of the slowest rank: a plain streaming
        read of the feature bytes, the fused least-squares gradient kernel over the same bytes (GB/s and their ratio),
        and one distributed evaluation (kernel, block sums, Allreduce) with reproducible and with plain summation.
        It times the kernel with and without software prefetch (on by default for Intel processors only;
        MPIDESCENT_PREFETCH=1 or 0 overrides). On a float64 file it also times the kernel on a float32 copy of
        the slice (float64/float32 time per pass).
        --gram  also time the exact solver's pass (XᵀX, Xᵀy, reduction, Cholesky) in both summation modes and its
                Gram kernel alone.
        """;
}
