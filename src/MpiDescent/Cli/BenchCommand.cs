using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Numerics;
using MpiDescent.Output;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Cli;

/// <summary>
/// <c>bench</c>: measures, in one run on the job's own slices, (1) a plain streaming read of the feature bytes,
/// (2) the fused least-squares gradient kernel over the same bytes, and (3) a full distributed evaluation (kernel,
/// block sums and Allreduce) with reproducible and with plain summation. Reports medians and the ratios that matter.
/// </summary>
public static class BenchCommand
{
    /// <summary>Parses and runs (collective).</summary>
    public static int Run(IEnumerable<string> args, ICommunicator comm, TextWriter output, TextWriter errors)
    {
        var line = Collective.Agree(comm, errors, () =>
        {
            var l = CommandLine.Parse(CommandDefinitions.Bench, args);
            l.RequirePositionals();
            return l;
        });
        int repeat = Collective.Agree(comm, errors, () => (int)line.Long("repeat", 20, 3, 100_000));
        var path = line.Positionals[0];
        var header = Collective.Agree(comm, errors, () => DataFileHeader.Read(path));
        var partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        var shard = Collective.Agree(comm, errors, () => ShardLoader.Load(path, header, start, end, comm.Rank));
        int d = header.Features;
        var theta = Enumerable.Range(0, d + 1).Select(j => 0.01 * ((j % 7) - 3)).ToArray();
        var gradW = new AlignedBuffer<double>(d);
        var weights = new AlignedBuffer<double>(d);
        theta.AsSpan(0, d).CopyTo(weights.Span);
        double sink = 0;
        var workspace = new PassWorkspace(1);
        var intercept = new[] { theta[d] };
        var gradB = new double[1];
        Action Kernel(DataShard s) => () =>
        {
            for (int first = 0; first < s.Rows; first += partition.BlockRows)
            {
                var pass = new SquaredPass(s.Labels, first, weights, intercept, gradW, gradB, workspace);
                s.Features.Accept(ref pass, first, Math.Min(partition.BlockRows, s.Rows - first));
                sink += pass.SumLoss;
            }
        };

        // The plain read and the kernel are interleaved too: this ratio is the target, and memory bandwidth drifts.
        var (read, kernel, readOverKernel) = MedianPair(repeat, comm, () => sink += shard.Features.PlainRead(),
            Kernel(shard));
        // Software prefetch on against off, interleaved (the default depends on the CPU: SoftwarePrefetch).
        bool prefetchDefault = SoftwarePrefetch.Enabled;
        Action Prefetching(bool on, Action body) => () =>
            { SoftwarePrefetch.Enabled = on; body(); SoftwarePrefetch.Enabled = prefetchDefault; };
        var (_, _, prefetchOverNone) = MedianPair(repeat, comm, Prefetching(true, Kernel(shard)), Prefetching(false,
            Kernel(shard)));
        // float32 storage against float64, same values (rounded) in the same run: the kernel's time per row.
        double float32Kernel = double.NaN, float64Kernel = double.NaN, float64OverFloat32 = double.NaN;
        if (shard.Features is DenseFeatureMatrix<double> dense)
        {
            var singles = new float[dense.Values.Length];
            for (int k = 0; k < singles.Length; k++) singles[k] = (float)dense.Values[k];
            var single = DataShard.FromArrays(header, start, singles, shard.Labels);
            (float64Kernel, float32Kernel, float64OverFloat32) = MedianPair(repeat, comm, Kernel(shard),
                Kernel(single));
        }
        // The logistic pass streaming its rows against the same number of rows passed again and again from a few
        // that stay in the L1 cache: the share of a pass that is arithmetic, not memory. Models that share a pass
        // (a regularization path, cross-validation) each add at least that share of a lone pass.
        var signs = shard.Labels.Select(y => y > 0 ? 1.0 : -1.0).ToArray();
        int cachedRows = Math.Clamp((int)Math.Min(int.MaxValue, 16384L * shard.Rows / Math.Max(1L,
            shard.Features.Bytes)), 1, Math.Max(1, Math.Min(shard.Rows, partition.BlockRows)));
        Action Logistic(bool cached) => () =>
        {
            for (int first = 0; first < shard.Rows; first += cached ? cachedRows : partition.BlockRows)
            {
                int count = Math.Min(cached ? cachedRows : partition.BlockRows, shard.Rows - (cached ? 0 : first));
                var pass = new LogisticPass(signs, cached ? 0 : first, weights, intercept, gradW, gradB, workspace);
                shard.Features.Accept(ref pass, cached ? 0 : first, count);
                sink += pass.SumLoss;
            }
        };
        var (logisticStreaming, logisticCached, arithmeticShare) = shard.Rows == 0 ? (0.0, 0.0, double.NaN)
            : MedianPair(repeat, comm, Logistic(false), Logistic(true));
        var gradient = new double[d + 1];
        var reproducible = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
            Summation: Summation.Reproducible));
        var plain = new LinearObjective(shard, partition, comm, new ObjectiveSettings(FitIntercept: true,
            Summation: Summation.Plain));
        // Interleaved, so that both modes see the same machine state; the ratio is the median of per-pair ratios.
        var (evalReproducible, evalPlain, ratio) = MedianPair(repeat, comm,
            () => sink += reproducible.Evaluate(theta, gradient), () => sink += plain.Evaluate(theta, gradient));

        // The reduction alone, as one evaluation does it: d + 4 values, exact (18 int64 each) or plain doubles.
        IVectorSum exactSum = shard.Features.IsSparse ? new WindowedVectorSum(d + 4) : new ExactVectorSum(d + 4);
        var plainSum = new PlainVectorSum(d + 4);
        var sink2 = new double[d + 4];
        void Exact()
        {
            exactSum.Add(0, 1.0);
            exactSum.Allreduce(comm, sink2);
        }
        void Plain()
        {
            plainSum.Add(0, 1.0);
            plainSum.Allreduce(comm, sink2);
        }
        var (allreduceExact, allreducePlain, _) = MedianPair(repeat, comm, Exact, Plain);

        // With --gram: the exact solver's pass (XᵀX and Xᵀy over all blocks, reduction, Cholesky) in both summation
        // modes, and the Gram kernel alone over the same blocks (no sums), each interleaved with the plain-summation
        // solve.
        double gramReproducible = double.NaN, gramPlain = double.NaN, gramKernel = double.NaN;
        if (line.Has("gram"))
        {
            var gram = new GramKernel(d);
            (gramReproducible, gramPlain, _) = MedianPair(repeat, comm,
                () => sink += NormalEquations.Solve(shard, partition, comm, true, Summation.Reproducible)[0],
                () => sink += NormalEquations.Solve(shard, partition, comm, true, Summation.Plain)[0]);
            (gramKernel, _, _) = MedianPair(repeat, comm, () =>
            {
                for (int first = 0; first < shard.Rows; first += partition.BlockRows)
                {
                    var pass = new GramPass(gram);
                    shard.Features.Accept(ref pass, first, Math.Min(partition.BlockRows, shard.Rows - first));
                }
                sink += gram.Entry(0, 0);
            }, () => sink += NormalEquations.Solve(shard, partition, comm, true, Summation.Plain)[0]);
        }

        // Seconds are the slowest rank's; bytes are the whole job's.
        // Sparse: the bytes of the indices and values that the pass and the plain read both stream.
        double bytes = header.Layout == DataLayout.Sparse ? (double)header.Nonzeros * header.SparseEntryBytes
            : (double)header.Rows * d * header.ElementBytes;
        var result = new BenchResult(header.Rows, d, comm.Size, repeat, Environment.ProcessorCount,
            System.Numerics.Vector<double>.Count * 64,
            bytes / read / 1e9, bytes / kernel / 1e9, readOverKernel, evalReproducible, evalPlain, ratio,
                allreduceExact, allreducePlain,
            header.ElementType.Name(), float32Kernel, float64OverFloat32, gramReproducible, gramPlain, gramKernel,
                SoftwarePrefetch.Vendor,
            prefetchDefault, prefetchOverNone, sink != 0.5)
        {
            LogisticStreamingSeconds = logisticStreaming,
            LogisticCachedSeconds = logisticCached,
            ArithmeticShare = 1 / arithmeticShare,
        };
        if (comm.Rank == 0)
        {
            var c = CultureInfo.InvariantCulture;
            string layout = header.Layout == DataLayout.Sparse ? $", sparse, {header.Nonzeros} nonzeros" : "";
            output.WriteLine(string.Create(c,
                $"bench: {header.Rows} rows x {d} features ({result.ElementType}{layout}) on {comm.Size} rank(s), " +
                $"median " +
                $"of {repeat}, {result.VectorBits}-bit vectors"));
            output.WriteLine(string.Create(c, $"  plain read        {result.ReadGBps,8:F2} GB/s"));
            output.WriteLine(string.Create(c,
                $"  gradient kernel   {result.KernelGBps,8:F2} GB/s   = {result.KernelOverRead:P1} of the plain read"));
            output.WriteLine(string.Create(c,
                $"  software prefetch {(prefetchDefault ? "on" : "off")} " +
                $"({(result.CpuVendor.Length > 0 ? result.CpuVendor : "no x86")}; {SoftwarePrefetch.Variable}=0|1 " +
                $"overrides): kernel time with/without = {prefetchOverNone:F2}"));
            if (!double.IsNaN(float32Kernel))
                output.WriteLine(string.Create(c,
                    $"  same kernel on a float32 copy: {float32Kernel * 1e3:F3} ms vs {float64Kernel * 1e3:F3} ms  " +
                    $" float64/float32 time = {float64OverFloat32:F2} (median of interleaved pairs)"));
            output.WriteLine(string.Create(c,
                $"  logistic pass: streaming {logisticStreaming * 1e3:F3} ms, rows from cache " +
                $"{logisticCached * 1e3:F3} ms: arithmetic share {result.ArithmeticShare:F2} (models sharing a pass " +
                $"each cost at least that of a lone pass)"));
            output.WriteLine(string.Create(c, $"  evaluation, reproducible {evalReproducible * 1e3,8:F3} ms"));
            output.WriteLine(string.Create(c,
                $"  evaluation, plain        {evalPlain * 1e3,8:F3} ms   reproducible/plain = " +
                $"{result.ReproducibleOverPlain:F3} (median of interleaved pairs)"));
            output.WriteLine(string.Create(c,
                $"  allreduce alone: {(shard.Features.IsSparse ? "windowed" : "exact")} {allreduceExact * 1e6,8:F1} " +
                $"us, plain {allreducePlain * 1e6,8:F1} us " +
                $"({d + 4} values)"));
            if (!double.IsNaN(gramKernel))
                output.WriteLine(string.Create(c,
                    $"  exact solver pass: reproducible {gramReproducible:F4} s, plain {gramPlain:F4} s, Gram " +
                    $"kernel alone {gramKernel:F4} s"));
            if (line.Text("json") is string json) Json.Write(json, result);
        }
        return ExitCodes.Success;
    }

    /// <summary>The least-squares pass over one block, the kernel the benchmark times.</summary>
    private struct SquaredPass(double[] labels, int first, AlignedBuffer<double> w, double[] b,
        AlignedBuffer<double> gradW,
        double[] gradB, PassWorkspace workspace) : IRowBlockVisitor
    {
        public double SumLoss;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            SumLoss = LinearPass.Run(default(Losses.SquaredLoss), rows, labels.AsSpan(first, rows.Count), w.Span, b,
                gradW.Span, gradB, workspace).SumLoss;
    }

    /// <summary>The logistic pass over one block (labels ±1).</summary>
    private struct LogisticPass(double[] labels, int first, AlignedBuffer<double> w, double[] b,
        AlignedBuffer<double> gradW, double[] gradB, PassWorkspace workspace) : IRowBlockVisitor
    {
        public double SumLoss;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct =>
            SumLoss = LinearPass.Run(default(Losses.LogisticLoss), rows, labels.AsSpan(first, rows.Count), w.Span, b,
                gradW.Span, gradB, workspace).SumLoss;
    }

    private readonly struct GramPass(GramKernel kernel) : IRowBlockVisitor
    {
        public void Visit<TRows>(TRows rows) where TRows : IRowBlock, allows ref struct => kernel.Compute(rows);
    }

    /// <summary>Runs <paramref name="a"/> and <paramref name="b"/> alternately; returns both medians and the median of
    /// a/b.</summary>
    private static (double A, double B, double Ratio) MedianPair(int repeat, ICommunicator comm, Action a, Action b)
    {
        a(); b(); a(); b();
        // Alternate which runs first, so that a cost tied to the position in a pair does not bias the ratio.
        var pairs = Enumerable.Range(0, repeat).Select(i =>
        {
            if (i % 2 == 0) { double ta = Time(comm, a); return (A: ta, B: Time(comm, b)); }
            double tb = Time(comm, b);
            return (A: Time(comm, a), B: tb);
        }).ToArray();
        return (MedianOf(pairs.Select(p => p.A)), MedianOf(pairs.Select(p => p.B)), MedianOf(pairs.Select(p =>
            p.A / p.B)));
    }

    private static double Time(ICommunicator comm, Action body)
    {
        comm.Barrier();
        long start = Stopwatch.GetTimestamp();
        body();
        return comm.Max(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
