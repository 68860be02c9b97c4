using BenchmarkDotNet.Attributes;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Benchmarks;

/// <summary>The kernels on one block of 1024 rows × 64 features (512 KB, cache-resident): ns per block, to compare
/// kernels with each other and with a plain read; the memory-bound figures come from 'MpiDescent bench'.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Rows = 1024, D = 64, Classes = 10;
    private AlignedBuffer<double> _x = null!, _w = null!, _g = null!, _wSoftmax = null!, _gSoftmax = null!;
    private double[] _yRegression = null!, _yBinary = null!, _yClass = null!, _b = null!, _gb = null!, _partial = null!;
    private ExactVectorSum _exact = null!;
    private float[] _x32 = null!;
    private GramKernel _gram = null!;
    private PassWorkspace _work = null!, _workSoftmax = null!;
    private SoftmaxLoss _softmax;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = new AlignedBuffer<double>(Rows * D);
        for (int i = 0; i < Rows * D; i++) _x.Span[i] = random.NextDouble() - 0.5;
        _w = new AlignedBuffer<double>(D);
        for (int j = 0; j < D; j++) _w.Span[j] = random.NextDouble() - 0.5;
        _g = new AlignedBuffer<double>(D);
        _wSoftmax = new AlignedBuffer<double>(Classes * D);
        for (int j = 0; j < Classes * D; j++) _wSoftmax.Span[j] = random.NextDouble() - 0.5;
        _gSoftmax = new AlignedBuffer<double>(Classes * D);
        _yRegression = Enumerable.Range(0, Rows).Select(_ => random.NextDouble()).ToArray();
        _yBinary = _yRegression.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray();
        _yClass = Enumerable.Range(0, Rows).Select(i => (double)(i % Classes)).ToArray();
        _b = new double[Classes];
        _gb = new double[Classes];
        _partial = Enumerable.Range(0, D + 2).Select(_ => random.NextDouble()).ToArray();
        _exact = new ExactVectorSum(D + 2);
        _x32 = new float[Rows * D];
        for (int i = 0; i < Rows * D; i++) _x32[i] = (float)_x.Span[i];
        _gram = new GramKernel(D);
        _work = new PassWorkspace(1);
        _workSoftmax = new PassWorkspace(Classes);
        _softmax = new SoftmaxLoss(Classes);
    }

    private DenseRows<double> Rows64 => new(_x.Span, D);

    [Benchmark(Baseline = true, Description = "plain read of the block")]
    public double PlainRead() => StreamingRead.Sum<double>(_x.Span);

    [Benchmark(Description = "squared loss block")]
    public double Squared() =>
        LinearPass.Run(default(SquaredLoss), Rows64, _yRegression, _w.Span, _b, _g.Span, _gb, _work).SumLoss;

    [Benchmark(Description = "squared loss block, float32 rows")]
    public double SquaredFloat32() =>
        LinearPass.Run(default(SquaredLoss), new DenseRows<float>(_x32, D), _yRegression, _w.Span, _b, _g.Span, _gb,
            _work)
            .SumLoss;

    [Benchmark(Description = "logistic loss block")]
    public double Logistic() =>
        LinearPass.Run(default(LogisticLoss), Rows64, _yBinary, _w.Span, _b, _g.Span, _gb, _work).SumLoss;

    [Benchmark(Description = "softmax block, 10 classes")]
    public double Softmax() =>
        LinearPass.Run(_softmax, Rows64, _yClass, _wSoftmax.Span, _b, _gSoftmax.Span, _gb, _workSoftmax).SumLoss;

    [Benchmark(Description = "XᵀX of the block (exact solver's Gram kernel)")]
    public double Gram()
    {
        _gram.Compute(Rows64);
        return _gram.Entry(0, 0);
    }

    [Benchmark(Description = "exact deposit of one block result (66 values)")]
    public void ExactDeposit() => _exact.Add(_partial);
}
