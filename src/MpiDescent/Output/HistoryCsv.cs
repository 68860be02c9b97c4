using System.Globalization;
using System.Text;
using MpiDescent.IO;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>The loss history as CSV (<c>--history</c>): iteration, data passes, loss, gradient norm, step size,
/// seconds, validation loss.</summary>
public static class HistoryCsv
{
    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<IterationRecord> history)
    {
        var text = new StringBuilder("iteration,data_passes,loss,gradient_norm,step_size,seconds,validation_loss\n");
        foreach (var r in history)
            text.Append(CultureInfo.InvariantCulture, $"{r.Iteration},{r.DataPasses},{r.Loss:R},{r.GradientNorm:R},")
                .Append(CultureInfo.InvariantCulture,
                    $"{Optional(r.StepSize)},{r.ElapsedSeconds:R},{Optional(r.ValidationLoss)}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>A value that may not exist (NaN): empty, else round-trip exact.</summary>
    private static string Optional(double value) =>
        double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
}
