using System.Globalization;
using System.Text;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.IO;
using MpiDescent.Output;
using MpiDescent.Training.Paths;
using MpiDescent.Training.Preparation;

namespace MpiDescent.Cli;

/// <summary>What a regularization path or cross-validation leaves behind: the printed table, the table as CSV
/// (<c>--cv-output</c>), each row's fold (<c>--cv-folds-output</c>), the report's section, the path's model files and
/// the plot of the validation loss against the penalty.</summary>
internal static class ModelSearchOutputs
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The name of the strength the rows vary.</summary>
    private static string StrengthName(TrainingSettings s) =>
        s.Path?.StrengthName ?? (s.L1 > 0 && s.L2 == 0 ? "l1" : "l2");

    /// <summary>The report's section (cross-validation; a path alone writes model files and the table).</summary>
    internal static ModelSearchReport Report(PathOutcome outcome, TrainingSettings s) =>
        new(StrengthName(s), s.Folds, s.OneStandardError ? "1se" : "min", outcome.Lockstep, outcome.SharedPasses,
            outcome.Seconds, outcome.SharedComputeSeconds, outcome.SharedCommunicationSeconds,
            outcome.Scores[outcome.Best].Strength, outcome.Scores[outcome.Chosen].Strength,
            outcome.Scores.Select(p =>
            {
                var models = ModelsOf(outcome, p.Index);
                return new PenaltyReport(p.Strength, p.L1, p.L2, p.MeanLoss, p.StdLoss, p.StandardError,
                    p.MeanAccuracy, p.StdAccuracy, p.FoldLosses, p.FoldAccuracies,
                    models.Select(m => m.Result.Iterations).ToArray(), models.Count(m => m.Result.Converged))
                {
                    MeanValidationAuc = p.MeanAuc,
                    StdValidationAuc = p.StdAuc,
                    FoldValidationAucs = p.FoldAucs,
                };
            }).ToArray());

    private static PathModel[] ModelsOf(PathOutcome outcome, int penalty) =>
        outcome.Models.Where(m => m.Penalty == penalty).OrderBy(m => m.Fold).ToArray();

    /// <summary>Prints the table: per strength, the models' convergence and, with cross-validation, the validation
    /// loss's mean, standard deviation and standard error, the accuracy, and the choice.</summary>
    internal static void Print(TextWriter output, PathOutcome outcome, TrainingSettings s)
    {
        string name = StrengthName(s);
        bool cv = outcome.Scores.Count > 0;
        bool classifier = cv && outcome.Scores.Any(p => !double.IsNaN(p.MeanAccuracy));
        bool binary = cv && outcome.Scores.Any(p => !double.IsNaN(p.MeanAuc));
        output.WriteLine(cv
            ? $"{name,14}  {"validation loss",16} {"std",10} {"std error",10}" + (classifier ? $" {"accuracy",9}" : "")
                + (binary ? $" {"auc",7}" : "")
                + $"  {"converged",9}  {"iterations",10}"
            : $"{name,14}  {"loss",16} {"|grad|",10}  {"iterations",10}  exit");
        int strengths = s.Path?.Length ?? 1;
        for (int k = 0; k < strengths; k++)
        {
            var models = ModelsOf(outcome, k);
            double strength = s.Path?.Strength(k) ?? outcome.Scores[k].Strength;
            if (!cv)
            {
                var r = models[0].Result;
                output.WriteLine(string.Create(C, $"{strength,14:G6}  {r.Value,16:G10} {r.GradientNorm,10:E3}  " +
                    $"{r.Iterations,10}  {r.Exit}"));
                continue;
            }
            var p = outcome.Scores[k];
            string mark = k == outcome.Chosen && k == outcome.Best ? "  <- chosen (least mean loss)"
                : k == outcome.Chosen ? "  <- chosen (within one standard error)"
                : k == outcome.Best ? "  <- least mean loss" : "";
            output.WriteLine(string.Create(C, $"{strength,14:G6}  {p.MeanLoss,16:G10} {p.StdLoss,10:G4} " +
                $"{p.StandardError,10:G4}") + (classifier ? string.Create(C, $" {p.MeanAccuracy,9:F4}") : "")
                + (binary ? string.Create(C, $" {p.MeanAuc,7:F4}") : "")
                + string.Create(C, $"  {models.Count(m => m.Result.Converged),4}/{models.Length,-4}  " +
                    $"{models.Max(m => m.Result.Iterations),10}") + mark);
        }
        output.WriteLine(string.Create(C, $"{outcome.Models.Count} models in {outcome.Seconds:F3} s, ")
            + (outcome.Lockstep ? $"{outcome.SharedPasses} shared passes over the data" : "trained in turn"));
    }

    /// <summary>The table as CSV, one line per strength (rank 0).</summary>
    internal static void WriteTable(string path, PathOutcome outcome, TrainingSettings s)
    {
        int strengths = s.Path?.Length ?? 1;
        bool cv = outcome.Scores.Count > 0;
        var text = new StringBuilder("strength,l1,l2,learning_rate,converged,iterations");
        text.Append(cv ? ",mean_validation_loss,std_validation_loss,standard_error,mean_accuracy,std_accuracy,mean_auc,"
            + "std_auc"
            + string.Concat(Enumerable.Range(1, s.Folds).Select(f => $",fold{f}_validation_loss")) + ",choice"
            : ",loss,gradient_norm,exit");
        text.Append('\n');
        for (int k = 0; k < strengths; k++)
        {
            var models = ModelsOf(outcome, k);
            double strength = s.Path?.Strength(k) ?? outcome.Scores[k].Strength;
            text.Append(string.Create(C, $"{strength:R},{models[0].L1:R},{models[0].L2:R},{models[0].LearningRate:R},")
                + string.Create(C, $"{models.Count(m => m.Result.Converged)},{models.Max(m => m.Result.Iterations)}"));
            if (cv)
            {
                var p = outcome.Scores[k];
                text.Append(',').AppendJoin(',', new[] { p.MeanLoss, p.StdLoss, p.StandardError, p.MeanAccuracy,
                    p.StdAccuracy, p.MeanAuc, p.StdAuc }.Concat(p.FoldLosses).Select(Number));
                text.Append(',').Append(k == outcome.Chosen ? "chosen" : k == outcome.Best ? "best" : "");
            }
            else
            {
                var r = models[0].Result;
                text.Append(',').Append(Number(r.Value)).Append(',').Append(Number(r.GradientNorm)).Append(',')
                    .Append(r.Exit);
            }
            text.Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("R", C);

    /// <summary>Every row's fold, gathered to every rank in row order (collective).</summary>
    internal static int[] GatherFolds(ICommunicator comm, int[] localFolds, RowPartition partition)
    {
        var counts = Enumerable.Range(0, comm.Size).Select(r => partition.RowsOf(r))
            .Select(x => checked((int)(x.End - x.Start))).ToArray();
        var all = new int[counts.Sum(c => (long)c)];
        comm.Allgather<int>(localFolds, counts, all);
        return all;
    }

    /// <summary>Writes "row,fold" (both 1-based) for every row (rank 0).</summary>
    internal static void WriteFolds(string path, int[] folds)
    {
        var text = new StringBuilder("row,fold\n");
        for (int i = 0; i < folds.Length; i++)
            text.Append((i + 1).ToString(C)).Append(',').Append((folds[i] + 1).ToString(C)).Append('\n');
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
