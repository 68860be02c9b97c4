using MpiDescent.Output;

namespace MpiDescent.Tests.Output;

/// <summary>The plot's log-axis ticks (issue 15: a logistic plot read "1e-0.2" seven times): distinct labels of plain
/// numbers at any range, placed at the log of the value they name.</summary>
public class ConvergencePlotTests
{
    [TestCase(0.57, 0.693)] // a logistic loss's whole run
    [TestCase(0.5978685, 0.5978690)] // the last iterations of a run
    [TestCase(1e-16, 1.0)]
    [TestCase(3.2, 2900)]
    [TestCase(1e-300, 1e300)]
    public void LogTicks_AnyRange_DistinctLabelsAtTheirValues(double low, double high)
    {
        var ticks = ConvergencePlot.LogTicks(Math.Log10(low), Math.Log10(high));
        Assert.That(ticks.Count, Is.InRange(2, 12), string.Join(" ", ticks.Select(t => t.Label)));
        Assert.That(ticks.Select(t => t.Label).Distinct().Count(), Is.EqualTo(ticks.Count), "labels are distinct");
        foreach (var (position, label) in ticks)
        {
            Assert.That(position, Is.InRange(Math.Log10(low) - 1e-9, Math.Log10(high) + 1e-9), label);
            double value = double.Parse(label, System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(Math.Log10(value), Is.EqualTo(position).Within(1e-6), $"'{label}' is placed at its value");
        }
    }

    [Test]
    public void LogTicks_LogisticRange_PlainDecimals()
    {
        var labels = ConvergencePlot.LogTicks(Math.Log10(0.57), Math.Log10(0.693)).Select(t => t.Label).ToArray();
        Assert.That(labels, Is.EqualTo(new[] { "0.575", "0.6", "0.625", "0.65", "0.675" }));
    }

    [Test]
    public void Render_HistoryWithGradients_WritesAPngOfThreePanels()
    {
        var history = Enumerable.Range(0, 30).Select(i => new IterationRecord(i, 0.57 + 0.12 * Math.Exp(-i / 3.0),
            Math.Exp(-i), i * 0.01, i + 1, i == 0 ? double.NaN : 1, double.NaN)).ToList();
        var png = ConvergencePlot.Render(history, null, "test", "epoch");
        Assert.That(png[1..4], Is.EqualTo("PNG"u8.ToArray()));
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo((ConvergencePlot.Width, ConvergencePlot.Height)));
    }
}
