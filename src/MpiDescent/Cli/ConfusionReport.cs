using System.Globalization;
using MpiDescent.IO;
using MpiDescent.Training.Metrics;

namespace MpiDescent.Cli;

/// <summary>Prints what <c>evaluate</c> says per class: balanced accuracy and macro F1, a table of precision, recall,
/// F1 and support per class, and the confusion matrix (up to <see cref="MatrixClassLimit"/> classes).</summary>
internal static class ConfusionReport
{
    /// <summary>The most classes whose confusion matrix is printed; a larger one would not be readable.</summary>
    internal const int MatrixClassLimit = 30;

    /// <summary>Prints <paramref name="matrix"/> to <paramref name="output"/> with the classes' display
    /// names.</summary>
    internal static void Print(TextWriter output, ConfusionMatrix matrix, IReadOnlyList<string> names)
    {
        string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        output.WriteLine("balanced-accuracy " + matrix.BalancedAccuracy.ToString("R", CultureInfo.InvariantCulture));
        output.WriteLine("macro-f1  " + matrix.MacroF1.ToString("R", CultureInfo.InvariantCulture));
        var shown = names.Select(n => PrintableText.Escape(n)).Select(n => n.Length > 24 ? n[..23] + "…" : n)
            .ToArray();
        int width = Math.Max(5, shown.Max(n => n.Length));
        output.WriteLine();
        output.WriteLine($"{"class".PadRight(width)}  precision     recall         f1    support");
        for (int k = 0; k < matrix.Classes; k++)
            output.WriteLine($"{shown[k].PadRight(width)}  {F(matrix.Precision(k)),9}  {F(matrix.Recall(k)),9}  " +
                $"{F(matrix.F1(k)),9}  {matrix.Support(k),9}");
        output.WriteLine();
        if (matrix.Classes > MatrixClassLimit)
        {
            output.WriteLine($"(the confusion matrix of {matrix.Classes} classes is not printed: at most " +
                $"{MatrixClassLimit})");
            return;
        }
        output.WriteLine("confusion matrix: a row per actual class, a column per predicted class");
        int cell = Math.Max(width, matrix.Counts.Max().ToString(CultureInfo.InvariantCulture).Length);
        output.WriteLine(new string(' ', width) + string.Concat(shown.Select(n => "  " + n.PadLeft(cell))));
        for (int a = 0; a < matrix.Classes; a++)
            output.WriteLine(shown[a].PadRight(width) + string.Concat(Enumerable.Range(0, matrix.Classes)
                .Select(p => "  " + matrix[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell))));
    }
}
