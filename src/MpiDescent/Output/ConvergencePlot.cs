using MpiDescent.IO;
using MpiDescent.Training.Solvers;
using SkiaSharp;

namespace MpiDescent.Output;

/// <summary>
/// The convergence plot (<c>--plot loss.png</c>), rendered with ScottPlot: the loss, or the relative suboptimality
/// (J − J*)/|J*| when the optimum J* is known, on a log scale, against iteration (left) and against time (right).
/// </summary>
public static class ConvergencePlot
{
    /// <summary>Width of the whole image.</summary>
    public const int Width = 1200;
    /// <summary>Height of the image.</summary>
    public const int Height = 450;

    /// <summary>Renders the history to PNG bytes.</summary>
    public static byte[] Render(IReadOnlyList<IterationRecord> history, double? optimum, string title)
    {
        bool suboptimality = optimum is double;
        double[] values = history.Select(r => suboptimality
            ? Math.Max((r.Loss - optimum!.Value) / Math.Abs(optimum.Value), 1e-17) : r.Loss).ToArray();
        bool logScale = values.All(v => v > 0);
        double[] y = logScale ? values.Select(Math.Log10).ToArray() : values;
        string label = suboptimality ? "relative suboptimality (J - J*)/|J*|" : "loss J";
        var byIteration = Panel(history.Select(r => (double)r.Iteration).ToArray(), y, logScale, "iteration", label,
            title);
        var byTime = Panel(history.Select(r => r.ElapsedSeconds).ToArray(), y, logScale, "seconds", label,
            "against time");
        using var left = SKBitmap.Decode(byIteration.GetImageBytes(Width / 2, Height, ScottPlot.ImageFormat.Png));
        using var right = SKBitmap.Decode(byTime.GetImageBytes(Width / 2, Height, ScottPlot.ImageFormat.Png));
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.DrawBitmap(left, 0, 0);
        surface.Canvas.DrawBitmap(right, Width / 2, 0);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Renders and writes atomically.</summary>
    public static void Write(string path, IReadOnlyList<IterationRecord> history, double? optimum, string title)
    {
        using var file = new AtomicFile(path);
        file.Stream.Write(Render(history, optimum, title));
        file.Commit();
    }

    private static ScottPlot.Plot Panel(double[] x, double[] y, bool logScale, string xLabel, string yLabel,
        string title)
    {
        var plot = new ScottPlot.Plot();
        var line = plot.Add.Scatter(x, y);
        line.MarkerSize = x.Length > 200 ? 0 : 3;
        if (logScale)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = v =>
                $"1e{v:0.#}"
            };
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Title(title);
        return plot;
    }
}
