using System.Globalization;
using MpiDescent.IO;
using MpiDescent.Training.Solvers;
using SkiaSharp;

namespace MpiDescent.Output;

/// <summary>
/// The convergence plot (<c>--plot loss.png</c>), rendered with ScottPlot, three panels side by side: the relative
/// suboptimality (J − J*)/|J*| when the optimum J* is known (the least-squares optimum, or <c>--reference-loss</c>),
/// else the loss, against the iteration (the epoch for sgd, from 0) and against time; and the relative gradient norm
/// ‖∇J‖/‖∇J(θ₀)‖, the measure of the tolerance, against the iteration. Log axes carry ticks labelled with plain numbers
/// at any range (<see cref="LogTicks"/>): whole decades over a wide range, evenly spaced values within a narrow one.
/// </summary>
public static class ConvergencePlot
{
    /// <summary>Width of the whole image.</summary>
    public const int Width = 1500;
    /// <summary>Height of the image.</summary>
    public const int Height = 450;

    /// <summary>Renders the history to PNG bytes; <paramref name="unit"/> names the x axis ("iteration" or
    /// "epoch").</summary>
    public static byte[] Render(IReadOnlyList<IterationRecord> history, double? optimum, string title,
        string unit = "iteration")
    {
        bool suboptimality = optimum is double;
        double[] values = history.Select(r => suboptimality
            ? Math.Max((r.Loss - optimum!.Value) / Math.Abs(optimum.Value), 1e-17) : r.Loss).ToArray();
        string label = suboptimality ? "relative suboptimality (J - J*)/|J*|" : "loss J";
        double first = history.Count > 0 ? history[0].GradientNorm : double.NaN;
        double[] gradient = history.Select(r => first > 0 ? Math.Max(r.GradientNorm / first, 1e-17) : double.NaN)
            .ToArray();
        double[] steps = history.Select(r => (double)r.Iteration).ToArray();
        var panels = new[]
        {
            Panel(steps, values, unit, label, title),
            Panel(history.Select(r => r.ElapsedSeconds).ToArray(), values, "seconds", label, "against time"),
            Panel(steps, gradient, unit, "relative gradient norm", "stationarity"),
        };
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        surface.Canvas.Clear(SKColors.White);
        for (int k = 0; k < panels.Length; k++)
        {
            using var bitmap = SKBitmap.Decode(panels[k].GetImageBytes(Width / 3, Height, ScottPlot.ImageFormat.Png));
            surface.Canvas.DrawBitmap(bitmap, k * (Width / 3), 0);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Renders and writes atomically.</summary>
    public static void Write(string path, IReadOnlyList<IterationRecord> history, double? optimum, string title,
        string unit = "iteration")
    {
        using var file = new AtomicFile(path);
        file.Stream.Write(Render(history, optimum, title, unit));
        file.Commit();
    }

    /// <summary>Ticks for a log₁₀ axis showing values from 10^<paramref name="minLog"/> to 10^<paramref
    /// name="maxLog"/>: over a decade or more, whole decades (every k-th, at most about 8), labelled 0.01, 0.1, 1, 10,
    /// 100 near 1 and 1e-5, 1e6 beyond; within less than a decade, about 5 evenly spaced values with 1, 2, 2.5 or 5
    /// times a power of ten between them, labelled with as many digits as they need. Positions are log₁₀ of the
    /// values.</summary>
    public static IReadOnlyList<(double Position, string Label)> LogTicks(double minLog, double maxLog)
    {
        var ticks = new List<(double, string)>();
        if (!double.IsFinite(minLog) || !double.IsFinite(maxLog)) return ticks;
        if (maxLog < minLog) (minLog, maxLog) = (maxLog, minLog);
        if (maxLog - minLog >= 1)
        {
            int every = Math.Max(1, (int)Math.Ceiling((maxLog - minLog) / 8));
            int start = (int)Math.Ceiling(minLog), end = (int)Math.Floor(maxLog);
            for (int k = start; k <= end; k++)
                if (((k % every) + every) % every == 0)
                    ticks.Add((k, k is >= -3 and <= 4 ? Math.Pow(10, k).ToString("0.####", CultureInfo.InvariantCulture)
                        : $"1e{k}"));
            return ticks;
        }
        double low = Math.Pow(10, minLog), high = Math.Pow(10, maxLog);
        double raw = (high - low) / 5, power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * power).First(s => s >= raw);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9) + (step / power % 1 != 0 ? 1 : 0));
        string format = "0." + new string('#', Math.Min(decimals, 15));
        for (double k = Math.Ceiling(low / step); k * step <= high * (1 + 1e-12); k++)
            ticks.Add((Math.Log10(k * step), (k * step).ToString(format, CultureInfo.InvariantCulture)));
        return ticks;
    }

    private static ScottPlot.Plot Panel(double[] x, double[] values, string xLabel, string yLabel, string title)
    {
        var plot = new ScottPlot.Plot();
        bool logScale = values.All(v => v > 0 && double.IsFinite(v));
        double[] y = logScale ? values.Select(Math.Log10).ToArray() : values;
        var line = plot.Add.Scatter(x, y);
        line.MarkerSize = x.Length > 200 ? 0 : 3;
        if (logScale && y.Length > 0)
        {
            var manual = new ScottPlot.TickGenerators.NumericManual();
            double min = y.Min(), max = y.Max();
            if (max - min < 1e-12) (min, max) = (min - 0.05, max + 0.05);
            foreach (var (position, label) in LogTicks(min, max)) manual.AddMajor(position, label);
            plot.Axes.Left.TickGenerator = manual;
            plot.Axes.SetLimitsY(min - 0.02 * (max - min), max + 0.02 * (max - min));
        }
        if (x.Length > 0) plot.Axes.SetLimitsX(Math.Min(0, x.Min()), Math.Max(x.Max(), 1e-9));
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Title(title);
        return plot;
    }
}
