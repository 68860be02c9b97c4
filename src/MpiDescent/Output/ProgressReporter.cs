using System.Globalization;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>
/// Progress on rank 0. To a terminal: one line redrawn in place with a bar, the rate and an upper bound on the time
/// left. To a file or pipe (batch logs): iteration 0, every <c>logEvery</c>-th and the last iteration as plain lines
/// with the rate. Lines show iteration, loss, gradient norm, step size, data passes and seconds. </summary>
public sealed class ProgressReporter(TextWriter output, bool enabled, int logEvery, string unit = "iter",
    bool terminal = false, int limit = 0)
{
    private IterationRecord? _lastPrinted;
    private bool _barShown;

    /// <summary>Called for every iteration; prints the ones due.</summary>
    public void Report(IterationRecord record)
    {
        if (!enabled) return;
        if (terminal) { Bar(record); return; }
        if (record.Iteration % Math.Max(1, logEvery) == 0) Print(record);
    }

    /// <summary>Ends the bar, or prints the last iteration unless it was already printed.</summary>
    public void Final(IterationRecord record)
    {
        if (!enabled) return;
        if (terminal)
        {
            Bar(record);
            if (_barShown) output.WriteLine();
            return;
        }
        if (record != _lastPrinted) Print(record);
    }

    private static string Rate(IterationRecord r) =>
        r.ElapsedSeconds > 0 && r.Iteration > 0 ? string.Create(CultureInfo.InvariantCulture,
            $"{r.Iteration / r.ElapsedSeconds:G3}/s") : "";

    /// <summary>An upper bound on the time left: the remaining iterations up to the limit at the rate so far.</summary>
    private string Left(IterationRecord r) => r.Iteration > 0 && limit > r.Iteration
        ? string.Create(CultureInfo.InvariantCulture,
            $"  <= {(limit - r.Iteration) * r.ElapsedSeconds / r.Iteration:F0} s left") : "";

    private static string Step(IterationRecord r) =>
        double.IsNaN(r.StepSize) ? "-" : r.StepSize.ToString("G3", CultureInfo.InvariantCulture);

    private void Print(IterationRecord r)
    {
        string validation = double.IsNaN(r.ValidationLoss) ? "" : string.Create(CultureInfo.InvariantCulture,
            $"  validation {r.ValidationLoss:G8}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{unit} {r.Iteration,7}  loss {r.Loss,-14:G8}  |grad| {r.GradientNorm,-11:E3}  step {Step(r),-9}  " +
                $"passes {r.DataPasses,6}  {r.ElapsedSeconds,8:F3} s  {Rate(r)}{Left(r)}") + validation);
        _lastPrinted = r;
    }

    private void Bar(IterationRecord r)
    {
        const int width = 24;
        double fraction = limit > 0 ? Math.Min(1, (double)r.Iteration / limit) : 0;
        int filled = (int)(fraction * width);
        string left = Left(r);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('=', filled)}{new string(' ', width - filled)}] {unit} {r.Iteration}/{limit}  loss " +
                $"{r.Loss:G8}  |grad| {r.GradientNorm:E2}  {Rate(r)}{left}   "));
        output.Flush();
        _barShown = true;
    }
}
