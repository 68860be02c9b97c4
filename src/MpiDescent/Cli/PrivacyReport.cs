using System.Globalization;
using MpiDescent.Training.Privacy;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>Prints a private run's ε after every epoch, beside its progress line.</summary>
internal static class PrivacyReport
{
    /// <summary>A progress hook that calls <paramref name="inner"/>, then, from the second record on (epochs done ≥ 1),
    /// prints the privacy spent to <paramref name="output"/> (null: print nothing).</summary>
    internal static Action<IterationRecord> EachEpoch(PrivacyPlan plan, Action<IterationRecord>? inner,
        TextWriter? output) => record =>
    {
        inner?.Invoke(record);
        if (output is null || record.Iteration == 0) return;
        var spent = plan.After((long)record.Iteration * plan.StepsPerEpoch);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  privacy after epoch {record.Iteration}: " +
            $"epsilon {spent.Epsilon:G4} at delta {spent.Delta:G3} ({spent.Steps} noisy steps)"));
    };
}
