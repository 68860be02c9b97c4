using System.Globalization;
using MpiDescent.IO;
using MpiDescent.Losses;

namespace MpiDescent.Output;

/// <summary>
/// A model as LIBLINEAR's model file (the text <c>save_model</c> writes and <c>liblinear-predict</c> and
/// <c>load_model</c> read), so that LIBLINEAR's tools give this model's predictions: the solver type of the loss
/// (logistic: L2R_LR, or L1R_LR with an L1 penalty; squared hinge: L2R_L2LOSS_SVC or L1R_L2LOSS_SVC; hinge:
/// L2R_L1LOSS_SVC_DUAL; squared: L2R_L2LOSS_SVR; softmax: L2R_LR with one weight vector per class), the labels (the
/// positive class first, as LIBLINEAR predicts label[0] when w·x &gt; 0), <c>bias 1</c> with the intercept as the
/// weight of LIBLINEAR's extra feature, and the weights feature by feature, class by class, each round-trip exact.
/// Feature j of the model (0-based) is LIBLINEAR's index j + 1, as <c>convert</c> reads 1-based LIBSVM text by default.
/// A softmax model predicts the same class in LIBLINEAR (argmax of x·w_k + b_k); LIBLINEAR's probabilities for it are
/// one-vs-rest ones, not the softmax's.
/// </summary>
public static class LibLinearModelFile
{
    /// <summary>LIBLINEAR's solver type for <paramref name="model"/>'s loss and penalty.</summary>
    public static string SolverType(ModelFile model) => LossKinds.Parse(model.Loss) switch
    {
        LossKind.Logistic or LossKind.Softmax => model.L1 > 0 ? "L1R_LR" : "L2R_LR",
        LossKind.SquaredHinge => model.L1 > 0 ? "L1R_L2LOSS_SVC" : "L2R_L2LOSS_SVC",
        LossKind.Hinge => "L2R_L1LOSS_SVC_DUAL",
        _ => "L2R_L2LOSS_SVR",
    };

    /// <summary>Writes <paramref name="model"/> (as <see cref="ModelFile.Read"/> returns it, weights filled in) to
    /// <paramref name="path"/> atomically.</summary>
    /// <exception cref="InputFileException">The file cannot be written.</exception>
    public static void Write(ModelFile model, string path)
    {
        var c = CultureInfo.InvariantCulture;
        var loss = LossKinds.Parse(model.Loss);
        double[][] weights = model.WeightMatrix ?? [model.Weights];
        double[] intercepts = model.Intercepts ?? [model.Intercept];
        using var file = new AtomicFile(path);
        using (var text = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            text.NewLine = "\n";
            text.WriteLine($"solver_type {SolverType(model)}");
            text.WriteLine(string.Create(c, $"nr_class {(loss.IsMultiClass() ? weights.Length : 2)}"));
            if (loss.IsMultiClass())
                text.WriteLine("label " + string.Join(' ', Enumerable.Range(0, weights.Length)));
            else if (loss.IsBinary())
                text.WriteLine(string.Create(c, $"label {model.ClassLabels![1]} {model.ClassLabels[0]}"));
            text.WriteLine(string.Create(c, $"nr_feature {model.FeatureCount}"));
            text.WriteLine("bias 1");
            text.WriteLine("w");
            for (int j = 0; j <= model.FeatureCount; j++)
            {
                for (int k = 0; k < weights.Length; k++)
                {
                    text.Write((j < model.FeatureCount ? weights[k][j] : intercepts[k]).ToString("R", c));
                    text.Write(' ');
                }
                text.Write('\n');
            }
        }
        file.Commit();
    }
}
