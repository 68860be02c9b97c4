using System.Globalization;

namespace MpiDescent.Tests.Integration;

/// <summary><c>plan</c> under MPI: the measured figures, the table for the asked rank counts, and the conclusions
/// drawn from it.</summary>
public class PlanTests
{
    private static string _data = "";

    [OneTimeSetUp]
    public void Generate()
    {
        var dir = TestData.TempDirectory();
        _data = Path.Combine(dir, "plan.bin");
        var made = MpiJob.Run(0, "generate", _data, "--rows", "20000", "--features", "16");
        Assert.That(made.ExitCode, Is.EqualTo(0), made.ToString());
    }

    [Test]
    public void Plan_TwoRanks_TableForEachAskedRankCountAndTheSelfCheck()
    {
        var outcome = MpiJob.Run(2, "plan", _data, "--ranks", "1,4,64", "--passes", "4");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        var lines = outcome.Output.Split('\n');
        Assert.That(outcome.Output, Does.Contain("plan: " + _data + ", 20000 rows x 16 features (float64), measured "
            + "on 2 rank(s)"));
        Assert.That(outcome.Output, Does.Contain("alpha-beta fit at 2 ranks"));
        Assert.That(outcome.Output, Does.Contain("check: at 2 rank(s) the model predicts"));
        var table = lines.SkipWhile(l => !l.TrimStart().StartsWith("ranks")).Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.That(table.Select(r => r[0]), Is.EqualTo(new[] { "1", "2", "4", "64" }), "the measured count added");
        long Largest(int ranks)
        {
            var partition = new MpiDescent.Data.RowPartition(20000, ranks);
            return Enumerable.Range(0, ranks).Max(r => partition.RowsOf(r).End - partition.RowsOf(r).Start);
        }
        Assert.That(table.Select(r => long.Parse(r[1])), Is.EqualTo(new[] { 1, 2, 4, 64 }.Select(Largest)),
            "the largest slice");
        double Parse(string text) => double.Parse(text.TrimEnd('%'), CultureInfo.InvariantCulture);
        Assert.That(Parse(table[0][6]), Is.EqualTo(1.0), "speed-up 1 at one rank");
        foreach (var row in table)
            Assert.That(Parse(row[7]), Is.EqualTo(Parse(row[6]) / int.Parse(row[0]) * 100).Within(0.1 + 0.01 * Parse(
                row[7])), "efficiency = speed-up / ranks");
        Assert.That(outcome.Output, Does.Contain("efficiency stays at or above 50% up to"));
        Assert.That(outcome.Output, Does.Contain("the data fits from 1 rank(s) on"));
    }

    [Test]
    public void TrainWithPlan_TwoRanks_PredictionBesideTheMeasuredPassInOutputAndReport()
    {
        var dir = Path.GetDirectoryName(_data)!;
        string plan = Path.Combine(dir, "plan.json"), report = Path.Combine(dir, "planned-report.json");
        var planned = MpiJob.Run(2, "plan", _data, "--ranks", "1,2", "--passes", "3", "--json", plan);
        Assert.That(planned.ExitCode, Is.EqualTo(0), planned.ToString());
        Assert.That(planned.Output, Does.Contain("plan written to " + plan));
        using var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(plan));
        var two = written.RootElement.GetProperty("predictions").EnumerateArray()
            .First(p => p.GetProperty("ranks").GetInt32() == 2);
        var train = MpiJob.Run(2, "train", _data, "--max-iterations", "5", "--tolerance", "0", "--learning-rate", "0.1",
            "--plan", plan, "--report", report, "--model", Path.Combine(dir, "planned.json"));
        Assert.That(train.ExitCode, Is.EqualTo(0), train.ToString());
        Assert.That(train.Output, Does.Contain($"plan {plan} at 2 rank(s): predicted"));
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(report));
        var comparison = json.RootElement.GetProperty("plan");
        Assert.That(comparison.GetProperty("predictedPassSeconds").GetDouble(),
            Is.EqualTo(two.GetProperty("passSeconds").GetDouble()), "the plan's own figure for 2 ranks");
        double measured = comparison.GetProperty("measuredPassSeconds").GetDouble();
        var timing = json.RootElement.GetProperty("timing");
        Assert.That(measured, Is.EqualTo((timing.GetProperty("compute").GetProperty("max").GetDouble()
            + timing.GetProperty("communication").GetProperty("max").GetDouble())
            / json.RootElement.GetProperty("dataPasses").GetInt64()).Within(1e-12));

        var other = Path.Combine(dir, "other.bin");
        Assert.That(MpiJob.Run(0, "generate", other, "--rows", "100", "--features", "16").ExitCode, Is.EqualTo(0));
        var refused = MpiJob.Run(2, "train", other, "--plan", plan);
        Assert.That(refused.ExitCode, Is.EqualTo(3), refused.ToString());
        Assert.That(refused.Errors, Does.Contain(plan).And.Contain("run plan on this data"));
    }

    [Test]
    public void Plan_OneRank_SaysCommunicationIsNotMeasured()
    {
        var outcome = MpiJob.Run(1, "plan", _data, "--ranks", "1,2", "--passes", "3");
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain("all-reduce: not measured at one rank"));
    }

    [Test]
    public void Plan_BadRankList_UsageErrorNamingIt()
    {
        var outcome = MpiJob.Run(1, "plan", _data, "--ranks", "1,zero");
        Assert.That(outcome.ExitCode, Is.EqualTo(2), outcome.ToString());
        Assert.That(outcome.Errors, Does.Contain("--ranks takes rank counts from 1"));
    }
}
