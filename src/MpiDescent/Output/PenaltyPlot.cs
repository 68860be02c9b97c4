using MpiDescent.IO;

namespace MpiDescent.Output;

/// <summary>
/// Cross-validation's plot (<c>--plot</c> with <c>--cv</c>), rendered with ScottPlot as the convergence plot is: the
/// mean validation loss against the penalty strength on a log axis, with bars of one standard error, and the chosen
/// and the least-loss strengths marked.
/// </summary>
public static class PenaltyPlot
{
    /// <summary>Renders to PNG bytes.</summary>
    /// <param name="strengths">The strengths, any order.</param>
    /// <param name="means">The mean validation loss of each.</param>
    /// <param name="errors">One standard error of each mean.</param>
    /// <param name="best">The index of the least mean loss.</param>
    /// <param name="chosen">The index chosen.</param>
    /// <param name="strengthName">The strength's name (l2, l1, regularization).</param>
    /// <param name="title">The title.</param>
    public static byte[] Render(double[] strengths, double[] means, double[] errors, int best, int chosen,
        string strengthName, string title)
    {
        var plot = new ScottPlot.Plot();
        var x = strengths.Select(Math.Log10).ToArray();
        var finite = Enumerable.Range(0, x.Length).Where(k => double.IsFinite(means[k])).ToArray();
        double[] xs = finite.Select(k => x[k]).ToArray(), ys = finite.Select(k => means[k]).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.MarkerSize = 5;
        line.LegendText = "mean validation loss";
        var bars = plot.Add.ErrorBar(xs, ys, finite.Select(k => double.IsFinite(errors[k]) ? errors[k] : 0).ToArray());
        bars.Color = line.Color;
        var marks = best == chosen ? new[] { (chosen, "chosen, the least mean loss") }
            : new[] { (best, "least mean loss"), (chosen, "chosen, within one standard error") };
        foreach (var (index, label) in marks.Where(m => m.Item1 >= 0 && double.IsFinite(means[m.Item1])))
        {
            var vertical = plot.Add.VerticalLine(x[index]);
            vertical.LinePattern = index == chosen ? ScottPlot.LinePattern.Solid : ScottPlot.LinePattern.Dashed;
            vertical.LegendText = $"{label}: {strengths[index]:G4}";
        }
        if (xs.Length > 0)
        {
            var manual = new ScottPlot.TickGenerators.NumericManual();
            double min = xs.Min(), max = xs.Max();
            if (max - min < 1e-12) (min, max) = (min - 0.5, max + 0.5);
            foreach (var (position, label) in ConvergencePlot.LogTicks(min, max)) manual.AddMajor(position, label);
            plot.Axes.Bottom.TickGenerator = manual;
            plot.Axes.SetLimitsX(min - 0.03 * (max - min), max + 0.03 * (max - min));
        }
        plot.ShowLegend();
        plot.XLabel($"{strengthName} (log scale)");
        plot.YLabel("mean validation loss ± 1 std. error");
        plot.Title(title);
        return plot.GetImageBytes(ConvergencePlot.Width / 2, ConvergencePlot.Height, ScottPlot.ImageFormat.Png);
    }

    /// <summary>Renders and writes atomically.</summary>
    public static void Write(string path, double[] strengths, double[] means, double[] errors, int best, int chosen,
        string strengthName, string title)
    {
        using var file = new AtomicFile(path);
        file.Stream.Write(Render(strengths, means, errors, best, chosen, strengthName, title));
        file.Commit();
    }
}
