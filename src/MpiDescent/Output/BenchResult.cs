namespace MpiDescent.Output;

/// <summary>The figures <c>bench</c> reports (GB/s over the whole job's feature bytes).</summary>
public sealed record BenchResult(long Rows, int Features, int Ranks, int Repeat, int ProcessorCount, int VectorBits,
    double ReadGBps, double KernelGBps, double KernelOverRead, double EvaluationReproducibleSeconds,
        double EvaluationPlainSeconds,
    double ReproducibleOverPlain, double AllreduceExactSeconds, double AllreducePlainSeconds, string ElementType,
        double Float32KernelSeconds,
    double Float64OverFloat32, double GramReproducibleSeconds, double GramPlainSeconds, double GramKernelSeconds,
        string CpuVendor,
    bool SoftwarePrefetch, double PrefetchOverNone, bool Valid)
{
    /// <summary>The logistic pass over the slice's rows, streamed.</summary>
    public double LogisticStreamingSeconds { get; init; }

    /// <summary>The same pass over as many rows taken again and again from a few in the L1 cache.</summary>
    public double LogisticCachedSeconds { get; init; }

    /// <summary>Cached over streaming time (median of interleaved pairs): the share of the pass that is arithmetic,
    /// which each model sharing a pass adds at least.</summary>
    public double ArithmeticShare { get; init; }
}
