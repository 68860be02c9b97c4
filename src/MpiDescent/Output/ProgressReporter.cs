using System.Globalization;
using MpiDescent.Training;

namespace MpiDescent.Output;

/// <summary>Iteration lines on rank 0: iteration 0, every <c>logEvery</c>-th, and the last (printed by <see cref="Final"/>).</summary>
public sealed class ProgressReporter(TextWriter output, bool enabled, int logEvery, string unit = "iter")
{
    private IterationRecord? _lastPrinted;

    /// <summary>Called for every iteration; prints the ones due.</summary>
    public void Report(IterationRecord record)
    {
        if (!enabled || (record.Iteration % Math.Max(1, logEvery) != 0)) return;
        Print(record);
    }

    /// <summary>Prints the last iteration unless it was already printed.</summary>
    public void Final(IterationRecord record)
    {
        if (enabled && record != _lastPrinted) Print(record);
    }

    private void Print(IterationRecord r)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{unit} {r.Iteration,7}  loss {r.Loss,-14:G8}  |grad| {r.GradientNorm,-11:E3}  {r.ElapsedSeconds,8:F3} s"));
        _lastPrinted = r;
    }
}
