using System.Globalization;
using System.Text;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.IO;
using MpiDescent.Numerics;
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
        Collective.Agree(comm, errors, () =>
        {
            if (comm.Rank == 0 && options.OutputPath is not null)
                OutputPaths.Check([new("the model", options.ModelPath), new("the data file", options.DataPath)],
                    [new("--output", options.OutputPath)]);
        });
        var model = Collective.Agree(comm, errors, () => ModelFile.Read(options.ModelPath));
        var header = Collective.Agree(comm, errors, () =>
        {
            var h = DataFileHeader.Read(options.DataPath);
            if (h.Features != model.FeatureCount)
                throw new InputFileException(options.DataPath, $"has {h.Features} features but the model {options.ModelPath} has {model.FeatureCount}");
            return h;
        });
        var partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => ShardLoader.Load(options.DataPath, header, start, end, comm.Rank));
        bool binary = model.ClassLabels is not null;
        if (options.Probabilities && model.Loss is not ("logistic" or "softmax"))
            Collective.Agree(comm, errors, () => throw new UsageException($"--proba needs a logistic or softmax model; {options.ModelPath} has the {model.Loss} loss"));
        if (model.WeightMatrix is not null) return MultiClass(options, model, header, shard, comm, output, errors);
        var predictions = new double[shard.Rows];
        var row = new double[shard.FeatureCount];
        for (int i = 0; i < shard.Rows; i++)
        {
            shard.Features.CopyRow(i, row);
            predictions[i] = DenseKernels.Dot(row, model.Weights) + model.Intercept;
        }
        if (options.Command == "predict")
        {
            if (binary)
                for (int i = 0; i < predictions.Length; i++)
                    predictions[i] = options.Probabilities ? 1 / (1 + Math.Exp(-predictions[i])) : predictions[i] > 0 ? model.ClassLabels![1] : model.ClassLabels![0];
            WriteInRankOrder(options.OutputPath!, predictions, comm, errors, options.Probabilities ? "probability" : binary ? "class" : "prediction");
            if (comm.Rank == 0) output.WriteLine($"wrote {header.Rows} predictions to {options.OutputPath}");
            return ExitCodes.Success;
        }
        if (binary)
        {
            Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, Losses.LossKinds.Parse(model.Loss)));
            var c = ClassificationMetrics.Compute(predictions, shard.Labels, model.Loss == "logistic", comm);
            if (comm.Rank == 0)
                PrintMetrics(output, ("rows", c.Rows), ("accuracy", c.Accuracy), ("precision", c.Precision), ("recall", c.Recall), ("f1", c.F1),
                    ("log-loss", c.LogLoss), ("roc-auc", c.RocAuc),
                    ("", $"(the ROC AUC comes from a histogram of 4096 bins: within {c.RocAucErrorBound.ToString("G3", CultureInfo.InvariantCulture)} of the exact value)"));
            return ExitCodes.Success;
        }
        var metrics = RegressionMetrics.Compute(predictions, shard.Labels, header.Rows, comm);
        if (comm.Rank == 0)
            PrintMetrics(output, ("rows", header.Rows), ("mse", metrics.Mse), ("rmse", metrics.Rmse), ("mae", metrics.Mae), ("r2", metrics.R2));
        return ExitCodes.Success;
    }

    /// <summary>Prints "name value" lines, names padded to one column, numbers round-trip exact; null values are skipped
    /// and an empty name prints the value as a note.</summary>
    private static void PrintMetrics(TextWriter output, params (string Name, object? Value)[] metrics)
    {
        foreach (var (name, value) in metrics)
        {
            if (value is null) continue;
            string text = value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture)!;
            output.WriteLine(name.Length == 0 ? text : $"{name,-9} {text}");
        }
    }

    /// <summary>predict and evaluate for a softmax model: class = argmax_k z_k; probabilities softmax(z); accuracy and log loss.</summary>
    private static int MultiClass(ScoringOptions options, ModelFile model, DataFileHeader header, DataShard shard, ICommunicator comm,
        TextWriter output, TextWriter errors)
    {
        int d = header.Features, classes = model.WeightMatrix!.Length;
        var probabilities = new double[shard.Rows * classes];
        var predicted = new double[shard.Rows];
        var row = new double[d];
        for (int i = 0; i < shard.Rows; i++)
        {
            shard.Features.CopyRow(i, row);
            var p = probabilities.AsSpan(i * classes, classes);
            int best = 0;
            for (int k = 0; k < classes; k++)
            {
                p[k] = DenseKernels.Dot(row, model.WeightMatrix[k]) + model.Intercepts![k];
                if (p[k] > p[best]) best = k;
            }
            double max = p[best], sum = 0;
            for (int k = 0; k < classes; k++) sum += p[k] = Math.Exp(p[k] - max);
            for (int k = 0; k < classes; k++) p[k] /= sum;
            predicted[i] = best;
        }
        if (options.Command == "predict")
        {
            if (options.Probabilities)
                WriteLinesInRankOrder(options.OutputPath!, string.Join(",", Enumerable.Range(0, classes).Select(k => $"p{k}")),
                    Enumerable.Range(0, shard.Rows).Select(i => string.Join(",", probabilities.AsSpan(i * classes, classes).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))),
                    comm, errors);
            else WriteInRankOrder(options.OutputPath!, predicted, comm, errors, "class");
            if (comm.Rank == 0) output.WriteLine($"wrote {header.Rows} predictions to {options.OutputPath}");
            return ExitCodes.Success;
        }
        Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, Losses.LossKind.Softmax));
        long correct = 0;
        var logLoss = new ExactVectorSum(1);
        for (int i = 0; i < shard.Rows; i++)
        {
            int label = (int)shard.Labels[i];
            if (predicted[i] == label) correct++;
            double p = label < classes ? probabilities[i * classes + label] : 0;
            logLoss.Add(0, -Math.Log(Math.Max(p, 1e-300)));
        }
        var counts = new[] { correct };
        comm.AllreduceSum(counts);
        var total = new double[1];
        logLoss.Allreduce(comm, total);
        if (comm.Rank == 0)
            PrintMetrics(output, ("rows", header.Rows), ("classes", classes), ("accuracy", (double)counts[0] / header.Rows), ("log-loss", total[0] / header.Rows));
        return ExitCodes.Success;
    }

    private static void WriteInRankOrder(string path, double[] values, ICommunicator comm, TextWriter errors, string column) =>
        WriteLinesInRankOrder(path, column, values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)), comm, errors);

    /// <summary>Rank 0 starts a temporary file with the header; each rank in turn appends its rows; rank 0 renames it
    /// into place. Every turn is agreed, so a failed write ends all ranks and leaves no partial file.</summary>
    private static void WriteLinesInRankOrder(string path, string header, IEnumerable<string> lines, ICommunicator comm, TextWriter errors)
    {
        // One temporary file for all ranks, named uniquely by rank 0 (so that concurrent jobs never share it) and beside
        // the final target (a symbolic link is written through).
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
                        using var stream = new FileStream(temp, turn == 0 ? FileMode.CreateNew : FileMode.Append, FileAccess.Write);
                        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                        if (turn == 0) writer.Write(header + "\n");
                        foreach (var line in lines) { writer.Write(line); writer.Write('\n'); }
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
