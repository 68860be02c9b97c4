using System.Globalization;
using System.Text;
using MpiDescent.IO;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>The loss history as CSV (<c>--history</c>): iteration, data passes, loss, gradient norm, step size,
/// seconds, validation loss; doubles round-trip exact, values that do not exist (NaN) empty.</summary>
public static class HistoryCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "iteration,data_passes,loss,gradient_norm,step_size,seconds,validation_loss\n";

    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<IterationRecord> history)
    {
        var text = new StringBuilder(Header);
        foreach (var r in history) text.Append(Line(r));
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>One record's line.</summary>
    public static string Line(IterationRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Iteration},{r.DataPasses},{r.Loss:R},{r.GradientNorm:R},{Optional(r.StepSize)},{r.ElapsedSeconds:R},")
        + Optional(r.ValidationLoss) + "\n";

    /// <summary>The record of one line.</summary>
    /// <exception cref="FormatException">Not a line of this format.</exception>
    public static IterationRecord Parse(string line)
    {
        var f = line.Split(',');
        if (f.Length != 7) throw new FormatException($"{f.Length} fields, not 7");
        double Number(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        return new IterationRecord(int.Parse(f[0], CultureInfo.InvariantCulture), Number(f[2]), Number(f[3]),
            Number(f[5]), long.Parse(f[1], CultureInfo.InvariantCulture), Number(f[4]), Number(f[6]));
    }

    /// <summary>A value that may not exist (NaN): empty, else round-trip exact.</summary>
    private static string Optional(double value) =>
        double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
}
