using System.Globalization;
using System.Text;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Output;
using MpiDescent.Training.Metrics;
using MpiDescent.Training.Preparation;

namespace MpiDescent.Cli;

/// <summary><c>predict</c> and <c>evaluate</c>: each rank scores its own slice of the data.</summary>
public static class ScoringCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(ScoringOptions options, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        bool root = comm.Rank == 0;
        Collective.Agree(comm, errors, () =>
        {
            if (root)
                OutputPaths.Check([new("the model", options.ModelPath), new("the data file", options.DataPath),
                        ModelWeightsFile.NamedFor(options.ModelPath)],
                    options.OutputPath is null ? [] : [new("--output", options.OutputPath)]);
        });
        // Rank 0 reads and checks the model; the others receive only θ and its layout (a model file with millions of
        // feature names is read once, not once per rank).
        var read = Collective.Agree(comm, errors, () =>
        {
            if (!root) return null;
            var file = ModelFile.Read(options.ModelPath);
            if (options.Probabilities && !LossKinds.Parse(file.Loss).HasProbabilities())
                throw new UsageException($"--proba needs a logistic or softmax model; {options.ModelPath} has the "
                    + $"{file.Loss} loss");
            return file.ToLinearModel();
        });
        var model = ModelBroadcast.Share(comm, read);
        using var data = Collective.Agree(comm, errors, () =>
        {
            var opened = DataFile.Open(options.DataPath);
            if (opened.Header.Rows == 0 && options.Command == "evaluate")
            {
                opened.Dispose();
                throw new InputFileException(options.DataPath, "has no rows: there is nothing to evaluate");
            }
            if (opened.Header.Features == model.Layout.Features) return opened;
            opened.Dispose();
            throw new InputFileException(options.DataPath, $"has {opened.Header.Features} features but the model "
                + $"{options.ModelPath} has {model.Layout.Features}");
        });
        Collective.Agree(comm, errors, () => DataAgreement.Check(comm, data));
        var header = data.Header;
        if (options.Command == "evaluate")
            Collective.Agree(comm, errors, () => CheckClassNames(options, model, header));
        var partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => ShardLoader.Load(data, start, end, comm.Rank));
        int outputs = model.Outputs;
        var scores = ModelScores.Compute(model, shard);
        var predicted = new double[shard.Rows];
        for (int i = 0; i < shard.Rows; i++) predicted[i] = model.Predict(scores.AsSpan(i * outputs, outputs));
        bool multiClass = model.Loss.IsMultiClass(), binary = model.Loss.IsBinary();
        int columns = multiClass ? outputs : 1;
        var probabilities = new double[(long)shard.Rows * columns];
        if (options.Probabilities || multiClass)
            for (int i = 0; i < shard.Rows; i++)
                model.Probabilities(scores.AsSpan(i * outputs, outputs), probabilities.AsSpan(i * columns, columns));
        if (options.Command == "predict")
        {
            string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            if (options.Probabilities && multiClass)
                WriteLinesInRankOrder(options.OutputPath!, string.Join(",", Enumerable.Range(0, outputs).Select(k =>
                    $"p{k}")),
                    Enumerable.Range(0, shard.Rows).Select(i =>
                        string.Join(",", probabilities.AsSpan(i * columns,
                            columns).ToArray().Select(Number))), comm, errors);
            else if (!options.Probabilities && model.ClassNames is not null)
                WriteLinesInRankOrder(options.OutputPath!, "class",
                    predicted.Select(p => CsvField(model.ClassName(p))), comm, errors);
            else
                WriteLinesInRankOrder(options.OutputPath!,
                    options.Probabilities ? "probability" : binary || multiClass ? "class" : "prediction",
                    (options.Probabilities ? probabilities : predicted).Select(Number), comm, errors);
            if (root) output.WriteLine($"wrote {header.Rows} predictions to {options.OutputPath}");
            return ExitCodes.Success;
        }
        if (multiClass)
        {
            Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, model.Loss));
            var m = MultiClassMetrics.Compute(predicted, probabilities, shard.Labels, outputs, header.Rows, comm);
            if (root)
                PrintMetrics(output, ("rows", m.Rows), ("classes", m.Classes), ("accuracy", m.Accuracy), ("log-loss",
                    m.LogLoss));
            var actual = shard.Labels.Select(y => (int)y).ToArray();
            var matrix = ConfusionMatrix.Compute(actual, predicted.Select(p => (int)p).ToArray(), outputs, comm);
            if (root)
                ConfusionReport.Print(output, matrix, Enumerable.Range(0, outputs).Select(k => model.ClassNames is null
                    ? k.ToString(CultureInfo.InvariantCulture) : model.ClassNames[k]).ToArray());
            return ExitCodes.Success;
        }
        if (binary)
        {
            Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, model.Loss));
            var c = ClassificationMetrics.Compute(scores, shard.Labels, model.Loss == LossKind.Logistic, comm);
            if (root)
                PrintMetrics(output, ("rows", c.Rows), ("accuracy", c.Accuracy), ("precision", c.Precision),
                    ("recall", c.Recall), ("f1", c.F1), ("log-loss", c.LogLoss), ("roc-auc", c.RocAuc),
                    ("", "(the ROC AUC comes from a histogram of 4096 bins: within "
                        + $"{c.RocAucErrorBound.ToString("G3", CultureInfo.InvariantCulture)} of the exact value)"));
            var actual = shard.Labels.Select(y => y > 0 ? 1 : 0).ToArray();
            var classOf = Enumerable.Range(0, shard.Rows).Select(i => scores[i] > 0 ? 1 : 0).ToArray();
            var matrix = ConfusionMatrix.Compute(actual, classOf, 2, comm);
            if (root)
                ConfusionReport.Print(output, matrix, model.ClassNames ?? model.ClassLabels!.Select(v =>
                    v.ToString("R", CultureInfo.InvariantCulture)).ToArray());
            return ExitCodes.Success;
        }
        var metrics = RegressionMetrics.Compute(scores, shard.Labels, header.Rows, comm);
        if (root)
            PrintMetrics(output, ("rows", header.Rows), ("mse", metrics.Mse), ("rmse", metrics.Rmse), ("mae",
                metrics.Mae),
                ("r2", metrics.R2));
        return ExitCodes.Success;
    }

    /// <summary>Refuses to evaluate when the data's labels do not mean the model's classes: text labels on one side
    /// only, or other names or another order (labels are class indices).</summary>
    private static void CheckClassNames(ScoringOptions options, Model.LinearModel model, DataFileHeader header)
    {
        var data = header.ClassNames;
        var mine = model.ClassNames;
        if (mine is null && data.Count == 0) return;
        string Show(IEnumerable<string> names) => string.Join(", ", names.Select(n => PrintableText.Escape(n)));
        if (mine is null)
            throw new InputFileException(options.DataPath, $"has text labels ({Show(data)}) but the model " +
                $"{options.ModelPath} was trained on numeric labels");
        if (!data.SequenceEqual(mine, StringComparer.Ordinal))
            throw new InputFileException(options.DataPath, data.Count == 0
                ? $"has numeric labels but the model {options.ModelPath} was trained on the classes {Show(mine)}"
                : $"names the classes {Show(data)}, the model {options.ModelPath} {Show(mine)}: convert the data " +
                  $"with --classes {Show(mine).Replace(", ", ",")} so that both mean the same classes");
    }

    /// <summary>A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break.</summary>
    private static string CsvField(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";

    /// <summary>Prints "name value" lines, names padded to one column, numbers round-trip exact; null values are
    /// skipped and an empty name prints the value as a note.</summary>
    private static void PrintMetrics(TextWriter output, params (string Name, object? Value)[] metrics)
    {
        foreach (var (name, value) in metrics)
        {
            if (value is null) continue;
            string text = value is double v ? v.ToString("R", CultureInfo.InvariantCulture)
                : Convert.ToString(value, CultureInfo.InvariantCulture)!;
            output.WriteLine(name.Length == 0 ? text : $"{name,-9} {text}");
        }
    }

    /// <summary>Rank 0 starts a temporary file with the header; each rank in turn appends its rows; rank 0 renames it
    /// into place. Every turn is agreed, so a failed write ends all ranks and leaves no partial file.</summary>
    private static void WriteLinesInRankOrder(string path, string header, IEnumerable<string> lines, ICommunicator comm,
        TextWriter errors)
    {
        // One temporary file for all ranks, named uniquely by rank 0 (so that concurrent jobs never share it) and
        // beside the final target (a symbolic link is written through).
        var full = OutputPaths.FinalTarget(path);
        long unique = comm.BroadcastFromRoot(comm.Rank == 0 ? Random.Shared.NextInt64(1L << 48) : 0);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{unique:x12}.partial");
        try
        {
            for (int turn = 0; turn < comm.Size; turn++)
            {
                Collective.Agree(comm, errors, () =>
                {
                    if (comm.Rank != turn) return;
                    try
                    {
                        using var stream = new FileStream(temp, turn == 0 ? FileMode.CreateNew : FileMode.Append,
                            FileAccess.Write);
                        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                        if (turn == 0) writer.Write(header + "\n");
                        foreach (var line in lines)
                        {
                            writer.Write(line);
                            writer.Write('\n');
                        }
                        writer.Flush();
                        stream.Flush(flushToDisk: true);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new InputFileException(path, $"cannot write: {e.Message}", e);
                    }
                });
            }
            Collective.Agree(comm, errors, () => { if (comm.Rank == 0) File.Move(temp, full, overwrite: true); });
        }
        finally
        {
            if (comm.Rank == 0 && File.Exists(temp)) File.Delete(temp);
        }
    }
}
