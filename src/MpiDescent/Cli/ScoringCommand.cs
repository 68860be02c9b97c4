using System.Globalization;
using System.Text;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;
using MpiDescent.Output;
using MpiDescent.Training;

namespace MpiDescent.Cli;

/// <summary><c>predict</c> and <c>evaluate</c>: each rank scores its own slice of the data.</summary>
public static class ScoringCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(ScoringOptions options, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        var model = Collective.Agree(comm, errors, () => ModelFile.Read(options.ModelPath));
        var header = Collective.Agree(comm, errors, () =>
        {
            var h = DataFileHeader.Read(options.DataPath);
            if (h.Features != model.Weights.Length)
                throw new InputFileException(options.DataPath, $"has {h.Features} features but the model {options.ModelPath} has {model.Weights.Length}");
            return h;
        });
        var partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => DataShard.Load(options.DataPath, header, start, end, comm.Rank));
        bool binary = model.ClassLabels is not null;
        if (options.Probabilities && model.Loss != "logistic")
            Collective.Agree(comm, errors, () => throw new UsageException($"--proba needs a logistic model; {options.ModelPath} has the {model.Loss} loss"));
        var predictions = new double[shard.Rows];
        for (int i = 0; i < shard.Rows; i++)
            predictions[i] = DenseKernels.Dot(shard.Features.Slice(i * shard.FeatureCount, shard.FeatureCount), model.Weights) + model.Intercept;
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
            Collective.Agree(comm, errors, () => LabelCheck.CheckSlice(shard, model.Loss));
            var c = ClassificationMetrics.Compute(predictions, shard.Labels, model.Loss == "logistic", comm);
            if (comm.Rank == 0)
            {
                var ci = CultureInfo.InvariantCulture;
                output.WriteLine(string.Create(ci, $"rows      {c.Rows}"));
                output.WriteLine(string.Create(ci, $"accuracy  {c.Accuracy:R}"));
                output.WriteLine(string.Create(ci, $"precision {c.Precision:R}"));
                output.WriteLine(string.Create(ci, $"recall    {c.Recall:R}"));
                output.WriteLine(string.Create(ci, $"f1        {c.F1:R}"));
                if (c.LogLoss is double logLoss) output.WriteLine(string.Create(ci, $"log-loss  {logLoss:R}"));
                output.WriteLine(string.Create(ci, $"roc-auc   {c.RocAuc:R} (histogram of 4096 bins: within {c.RocAucErrorBound:G3} of the exact value)"));
            }
            return ExitCodes.Success;
        }
        var metrics = RegressionMetrics.Compute(predictions, shard.Labels, header.Rows, comm);
        if (comm.Rank == 0)
        {
            var c = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(c, $"rows {header.Rows}"));
            output.WriteLine(string.Create(c, $"mse  {metrics.Mse:R}"));
            output.WriteLine(string.Create(c, $"rmse {metrics.Rmse:R}"));
            output.WriteLine(string.Create(c, $"mae  {metrics.Mae:R}"));
            output.WriteLine(string.Create(c, $"r2   {metrics.R2:R}"));
        }
        return ExitCodes.Success;
    }

    /// <summary>Rank 0 starts a temporary file with the header; each rank in turn appends its rows; rank 0 renames it
    /// into place. Every turn is agreed, so a failed write ends all ranks and leaves no partial file.</summary>
    private static void WriteInRankOrder(string path, double[] values, ICommunicator comm, TextWriter errors, string column)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial");
        try
        {
            for (int turn = 0; turn < comm.Size; turn++)
            {
                Collective.Agree(comm, errors, () =>
                {
                    if (comm.Rank != turn) return;
                    try
                    {
                        using var stream = new FileStream(temp, turn == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write);
                        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                        if (turn == 0) writer.Write(column + "\n");
                        foreach (var v in values) { writer.Write(v.ToString("R", CultureInfo.InvariantCulture)); writer.Write('\n'); }
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
