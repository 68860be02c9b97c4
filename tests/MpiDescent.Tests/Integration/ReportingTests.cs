using System.Buffers.Binary;
using System.Text.Json;

namespace MpiDescent.Tests.Integration;

/// <summary>Rank 0's outputs: the convergence plot, the history CSV, the report's timing, and the progress
/// lines.</summary>
[NonParallelizable]
public class ReportingTests
{
    /// <summary>MPIDESCENT_LAUNCH_NS (the launch time) makes every rank print where its start-up went, stages in
    /// order, each within the job's wall time; without it nothing is printed.</summary>
    [Test]
    public void Train_LaunchTimeGiven_EachRankPrintsItsStagesInOrder()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, data).ExitCode, Is.EqualTo(0));
            long launch = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var run = MpiJob.Run(2, ["train", data, "--max-iterations", "5", "--quiet"],
                new Dictionary<string, string> { ["MPIDESCENT_LAUNCH_NS"] = launch.ToString() });
            double wall = clock.Elapsed.TotalSeconds;
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            string[] stages = ["main", "mpi-started", "parsed", "loaded", "first-iteration", "solved", "written",
                "finalized"];
            for (int rank = 0; rank < 2; rank++)
            {
                var line = run.Errors.Split('\n').Single(l => l.StartsWith($"MpiDescent: rank {rank}: launch to "));
                var parts = line[$"MpiDescent: rank {rank}: launch to ".Length..].Split(", ")
                    .Select(p => p.Split(' ')).ToArray();
                Assert.That(parts.Select(p => p[0]), Is.EqualTo(stages), line);
                var seconds = parts.Select(p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))
                    .ToArray();
                Assert.That(seconds, Is.Ordered, line);
                Assert.That(seconds[0], Is.GreaterThan(0), line);
                Assert.That(seconds[^1], Is.LessThan(wall), line);
            }
            var quiet = MpiJob.Run(1, "train", data, "--max-iterations", "5", "--quiet");
            Assert.That(quiet.Errors, Does.Not.Contain("launch to"), quiet.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Train_PlotHistoryAndReport_AreWrittenAndConsistent()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, data).ExitCode, Is.EqualTo(0));
            string plot = Path.Combine(dir, "loss.png"), history = Path.Combine(dir,
                "h.csv"), report = Path.Combine(dir, "r.json");
            var run = MpiJob.Run(2, "train", data, "--standardize", "--solver", "lbfgs", "--plot", plot, "--history",
                history, "--report", report, "--verbose");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());

            var png = File.ReadAllBytes(plot);
            Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A,
                0x0A }), "PNG signature");
            Assert.That(System.Text.Encoding.ASCII.GetString(png, 12, 4), Is.EqualTo("IHDR"));
            Assert.That(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), Is.EqualTo(1500), "width: three panels");
            Assert.That(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), Is.EqualTo(450), "height");

            var lines = File.ReadAllLines(history);
            Assert.That(lines[0],
                Is.EqualTo("iteration,data_passes,loss,gradient_norm,step_size,seconds,validation_loss"));
            Assert.That(lines.Skip(2).All(l => double.Parse(l.Split(',')[4]) > 0), Is.True,
                "every update records its step size (lbfgs: the line search's alpha)");
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var recorded = json.RootElement.GetProperty("history");
            Assert.That(lines.Length - 1, Is.EqualTo(recorded.GetArrayLength()));
            var (_, y, _, _) = TestData.LoadDiabetes();
            Assert.That(double.Parse(lines[1].Split(',')[2]), Is.EqualTo(y.Average(v =>
                v * v) / 2).Within(1e-9).Percent, "J(0) = mean(y²)/2");
            Assert.That(double.Parse(lines[^1].Split(',')[2]),
                Is.EqualTo(json.RootElement.GetProperty("finalLoss").GetDouble()));

            var timing = json.RootElement.GetProperty("timing").GetProperty("compute");
            Assert.That(timing.GetProperty("min").GetDouble(),
                Is.LessThanOrEqualTo(timing.GetProperty("median").GetDouble()));
            Assert.That(timing.GetProperty("median").GetDouble(),
                Is.LessThanOrEqualTo(timing.GetProperty("max").GetDouble()));
            Assert.That(run.Output, Does.Contain("per rank (min / median / max, slowest rank)"));
            var memory = json.RootElement.GetProperty("timing").GetProperty("peakMemoryMegabytes");
            Assert.That(memory.GetProperty("min").GetDouble(), Is.GreaterThan(10).And.LessThan(4096),
                "a plausible peak working set per rank");
            Assert.That(run.Output.Split('\n').Count(l => l.StartsWith("iter ")), Is.EqualTo(lines.Length - 1),
                "--verbose prints every iteration");
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>bench at 2 ranks with every measurement (--gram): positive rates and ratios, and
    /// the software-prefetch setting taken from MPIDESCENT_PREFETCH.</summary>
    [TestCase("1", true)]
    [TestCase("0", false)]
    public void Bench_TwoRanks_WritesConsistentFiguresAndPrefetchSetting(string prefetch, bool expected)
    {
        var dir = TestData.TempDirectory();
        try
        {
            string data = Path.Combine(dir, "b.bin"), json = Path.Combine(dir, "bench.json");
            Assert.That(MpiJob.Run(0, "generate", data, "--rows", "20000", "--features", "16", "--seed", "2").ExitCode,
                Is.EqualTo(0));
            var run = MpiJob.Run(2, ["bench", data, "--repeat", "3", "--gram", "--json", json],
                new Dictionary<string, string> { ["MPIDESCENT_PREFETCH"] = prefetch });
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(run.Output, Does.Contain($"software prefetch {(expected ? "on" : "off")}")
                .And.Contain("logistic pass: streaming"));
            using var result = JsonDocument.Parse(File.ReadAllText(json));
            var r = result.RootElement;
            Assert.That(r.GetProperty("ranks").GetInt32(), Is.EqualTo(2));
            Assert.That(r.GetProperty("softwarePrefetch").GetBoolean(), Is.EqualTo(expected
                && System.Runtime.Intrinsics.X86.Sse.IsSupported));
            // Timings of a tiny file on a shared machine: only that each is a positive, finite number (no speed is
            // asserted).
            foreach (var name in new[] { "readGBps", "kernelGBps", "kernelOverRead", "evaluationReproducibleSeconds",
                "prefetchOverNone",
                         "float64OverFloat32", "gramKernelSeconds", "logisticStreamingSeconds",
                         "logisticCachedSeconds", "arithmeticShare" })
                Assert.That(double.IsFinite(r.GetProperty(name).GetDouble()) && r.GetProperty(name).GetDouble() > 0,
                    Is.True, name);
            Assert.That(r.GetProperty("valid").GetBoolean(), Is.True);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The history's clock starts before the first evaluation (it used to start after it), and the exact
    /// solver reports its solve: its time, its two passes (XᵀX, then the checking evaluation) and that time in the
    /// compute column.</summary>
    [TestCase("lbfgs", 1)]
    [TestCase("exact", 2)]
    public void Train_HistoryTime_IncludesTheFirstPass(string solver, int passesAtStart)
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, data).ExitCode, Is.EqualTo(0));
            var report = Path.Combine(dir, "r.json");
            var run = MpiJob.Run(2, "train", data, "--solver", solver, "--standardize", "--quiet", "--report", report);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var first = json.RootElement.GetProperty("history")[0];
            Assert.That(first.GetProperty("dataPasses").GetInt64(), Is.EqualTo(passesAtStart));
            double elapsed = first.GetProperty("elapsedSeconds").GetDouble();
            Assert.That(elapsed, Is.GreaterThan(0));
            Assert.That(json.RootElement.GetProperty("timing").GetProperty("compute").GetProperty("max").GetDouble(),
                Is.GreaterThan(0));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A run that stops at its iteration limit far from the optimum (gd on unstandardized data) says "not
    /// converged" with advice, its report, model and status say so, and --require-convergence makes it exit 8 with the
    /// model still written.</summary>
    [Test]
    public void Train_IterationLimitShortOfTolerance_WarnsAndRequireConvergenceExits8()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, data).ExitCode, Is.EqualTo(0));
            var (model, report, status) = (Path.Combine(dir, "m.json"), Path.Combine(dir, "r.json"),
                Path.Combine(dir, "s.json"));
            var run = MpiJob.Run(2, "train", data, "--max-iterations", "20", "--quiet", "--model", model, "--report",
                report, "--status", status);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(run.Errors, Does.Contain("warning: not converged (MaxIterations").And.Contain("--standardize"));
            using (var json = JsonDocument.Parse(File.ReadAllText(report)))
            {
                Assert.That(json.RootElement.GetProperty("converged").GetBoolean(), Is.False);
                Assert.That(json.RootElement.GetProperty("relativeGradientNorm").GetDouble(), Is.GreaterThan(1e-6));
                Assert.That(json.RootElement.GetProperty("advice").GetString(), Does.Contain("--max-iterations"));
            }
            using (var json = JsonDocument.Parse(File.ReadAllText(model)))
                Assert.That(json.RootElement.GetProperty("converged").GetBoolean(), Is.False);
            Assert.That(File.ReadAllText(status), Does.Contain("\"not-converged\""));

            File.Delete(model);
            var strict = MpiJob.Run(2, "train", data, "--max-iterations", "20", "--quiet", "--model", model,
                "--require-convergence");
            Assert.That(strict.ExitCode, Is.EqualTo(ExitCodes.NotConverged), strict.ToString());
            Assert.That(File.Exists(model), Is.True, "the best point found is still written");

            var converged = MpiJob.Run(2, "train", data, "--solver", "newton", "--quiet", "--model", model,
                "--require-convergence", "--report", report);
            Assert.That(converged.ExitCode, Is.EqualTo(0), converged.ToString());
            Assert.That(converged.Errors, Does.Not.Contain("not converged"));
            using (var json = JsonDocument.Parse(File.ReadAllText(report)))
                Assert.That(json.RootElement.GetProperty("converged").GetBoolean(), Is.True);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>sgd's report counts its per-epoch sweeps in dataPasses, as the console and history do.</summary>
    [Test]
    public void Train_Sgd_ReportDataPassesIncludeTheSweeps()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", TestData.DiabetesCsv, data).ExitCode, Is.EqualTo(0));
            var report = Path.Combine(dir, "r.json");
            var run = MpiJob.Run(1, "train", data, "--solver", "sgd", "--standardize", "--epochs", "5", "--seed",
                "1", "--quiet", "--report", report);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            long passes = json.RootElement.GetProperty("dataPasses").GetInt64();
            var history = json.RootElement.GetProperty("history");
            Assert.That(passes, Is.EqualTo(history[history.GetArrayLength() - 1].GetProperty("dataPasses").GetInt64()));
            Assert.That(passes, Is.GreaterThanOrEqualTo(5 + 5), "an evaluation and a sweep per epoch");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Train_QuietAndVerbose_UsageError()
    {
        var outcome = MpiJob.Run(0, "train", "x.bin", "--quiet", "--verbose");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(outcome.Errors, Does.Contain("contradict"));
    }
}
