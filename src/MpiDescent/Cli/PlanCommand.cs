using System.Globalization;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;
using MpiDescent.Planning;
using MpiDescent.Training.Preparation;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary><c>plan</c>: measures on the launched ranks, predicts for other rank counts, prints the table on rank
/// 0.</summary>
public static class PlanCommand
{
    /// <summary>Parses and runs (collective).</summary>
    public static int Run(IEnumerable<string> args, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        var (path, settings, ranks, passes, perNode, json) = Collective.Agree(comm, errors, () => Parse(args));
        if (json is not null)
            Collective.Agree(comm, errors, () =>
            {
                if (comm.Rank == 0) IO.OutputPaths.Check([new("the data file", path)], [new("--json", json)]);
            });
        using var file = Collective.Agree(comm, errors, () => DataFile.Open(path));
        Collective.Agree(comm, errors, () => DataAgreement.Check(comm, file));
        var header = file.Header;
        var measured = Collective.Agree(comm, errors, () => PlanMeasurement.Measure(file, settings, comm, passes));
        if (comm.Rank != 0) return ExitCodes.Success;
        long nodeMemory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var model = new ScalingModel(header, settings, measured, nodeMemory, perNode);
        var counts = ranks.Append(comm.Size).Distinct().Order().ToArray();
        Print(output, path, header, measured, model, counts, perNode, nodeMemory);
        if (json is not null)
        {
            Output.Json.Write(json, new PlanFile(PlanFile.FormatName, Path.GetFullPath(path), header.ChecksumHex,
                header.Rows, header.Features, measured, counts.Select(model.Predict).ToArray()));
            output.WriteLine($"plan written to {json}");
        }
        return ExitCodes.Success;
    }

    private static (string Path, TrainingSettings Settings, int[] Ranks, int Passes, int PerNode, string? Json) Parse(
        IEnumerable<string> args)
    {
        var line = CommandLine.Parse(CommandDefinitions.Plan, args);
        line.RequirePositionals();
        var settings = new TrainingSettings
        {
            Loss = LossKinds.Parse(line.Choice("loss", "squared", LossKinds.All.Select(k => k.Name()))),
            Solver = SolverCatalog.Get(line.Choice("solver", "gd", SolverCatalog.Names)),
            FitIntercept = !line.Has("no-intercept"),
            Summation = line.Choice("summation", "reproducible", "reproducible", "plain") == "plain"
                ? Summation.Plain : Summation.Reproducible,
        };
        int[] ranks = Enumerable.Range(0, 11).Select(k => 1 << k).ToArray();
        if (line.Text("ranks") is string list)
        {
            var parsed = list.Split(',').Select(t => int.TryParse(t.Trim(), NumberStyles.None,
                CultureInfo.InvariantCulture, out int n) ? n : 0).ToArray();
            if (parsed.Any(n => n < 1 || n > 1 << 20))
                throw line.Error($"--ranks takes rank counts from 1 to {1 << 20}, separated by commas; got '{list}'");
            ranks = parsed;
        }
        int passes = (int)line.Long("passes", 10, 3, 10_000);
        int perNode = (int)line.Long("ranks-per-node", Environment.ProcessorCount, 1, 1 << 20);
        return (line.Positionals[0], settings, ranks, passes, perNode, line.Text("json"));
    }

    private static void Print(TextWriter output, string path, DataFileHeader header, PlanMeasurement measured,
        ScalingModel model, int[] counts, int perNode, long nodeMemory)
    {
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        string layout = header.Layout == DataLayout.Sparse ? $"sparse, {header.Nonzeros} nonzeros" :
            header.ElementType.Name();
        output.WriteLine($"plan: {path}, {header.Rows} rows x {header.Features} features ({layout}), measured on " +
            $"{measured.Ranks} rank(s)");
        output.WriteLine($"  load {F(measured.LoadBytesPerSecond / 1e9, "G3")} GB/s per rank; pass " +
            $"{F(measured.ComputeSecondsPerRow * 1e9, "G3")} ns per row; one evaluation all-reduces " +
            $"{MemoryEstimate.Gb(measured.ReductionBytes)}");
        if (measured.Allreduce.Measured)
            output.WriteLine($"  all-reduce: latency {F(measured.Allreduce.LatencySeconds * 1e6, "G3")} us per " +
                $"round, {F(1 / measured.Allreduce.SecondsPerByte / 1e9, "G3")} GB/s (alpha-beta fit at " +
                $"{measured.Ranks} ranks)");
        else
            output.WriteLine("  all-reduce: not measured at one rank, so the table counts no communication: run plan " +
                "under the launcher at 2 or more ranks (on 2 nodes for a multi-node job)");
        var self = model.Predict(measured.Ranks);
        output.WriteLine($"  check: at {measured.Ranks} rank(s) the model predicts {F(self.PassSeconds * 1e3, "G4")}" +
            $" ms per pass; measured {F(measured.MeasuredPassSeconds * 1e3, "G4")} ms " +
            $"(ratio {F(self.PassSeconds / measured.MeasuredPassSeconds, "F2")})");
        output.WriteLine();
        output.WriteLine("  ranks   rows/rank     load s    pass ms  compute ms     comm ms  speed-up  efficiency" +
            "  memory/rank  fits");
        var rows = counts.Select(model.Predict).ToArray();
        foreach (var p in rows)
            output.WriteLine($"{p.Ranks,7} {p.RowsPerRank,11} {F(p.LoadSeconds, "G4"),10} " +
                $"{F(p.PassSeconds * 1e3, "G4"),10} {F(p.ComputeSeconds * 1e3, "G4"),11} " +
                $"{F(p.CommunicationSeconds * 1e3, "G4"),11} {F(p.SpeedUp, "F2"),9} " +
                $"{F(p.Efficiency * 100, "F1") + "%",11} " +
                $"{MemoryEstimate.Gb(p.MemoryBytesPerRank),12}  {(p.Fits ? "yes" : "no")}");
        output.WriteLine();
        var efficient = rows.Where(p => p.Efficiency >= 0.5).Select(p => p.Ranks).DefaultIfEmpty(0).Max();
        var below = rows.Where(p => p.Efficiency < 0.5).Select(p => p.Ranks).DefaultIfEmpty(0).Min();
        output.WriteLine(below == 0
            ? $"efficiency stays at or above 50% up to {counts[^1]} ranks (the largest count asked)"
            : $"efficiency stays at or above 50% up to {efficient} ranks and falls below it from {below} on");
        var fitting = rows.Where(p => p.Fits).Select(p => p.Ranks).DefaultIfEmpty(0).Min();
        output.WriteLine(fitting == 0
            ? $"the data does not fit at any of these rank counts ({perNode} ranks per node, " +
              $"{MemoryEstimate.Gb(nodeMemory)} per node)"
            : $"the data fits from {fitting} rank(s) on ({perNode} ranks per node, {MemoryEstimate.Gb(nodeMemory)} " +
              "per node)");
    }
}
