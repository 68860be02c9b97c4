namespace MpiDescent.Communication;

/// <summary>
/// One rank of an in-process job whose ranks are threads (see <see cref="Run{T}"/>). Sums are taken
/// in rank order, so they are deterministic. A failure on any rank cancels the others' waits,
/// so a test never hangs.
/// </summary>
public sealed class ThreadedCommunicator : ICommunicator
{
    private readonly World _world;
    private double[] _doubleScratch = [];
    private long[] _longScratch = [];

    private ThreadedCommunicator(World world, int rank)
    {
        _world = world;
        Rank = rank;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size => _world.Size;

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank, and returns
    /// each rank's result in rank order. The first exception thrown by any rank is rethrown.</summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var world = new World(size, timeout ?? TimeSpan.FromSeconds(60));
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try { results[rank] = body(new ThreadedCommunicator(world, rank)); }
            catch (Exception e) { errors[rank] = e; world.Cancel(); }
        }, 16 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var first = errors.FirstOrDefault(e => e is not null and not OperationCanceledException)
                    ?? errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw new AggregateException($"rank {Array.IndexOf(errors, first)} failed", first);
        return results;
    }

    /// <inheritdoc />
    public void AllreduceSum(double[] values) => Reduce(values, ref _doubleScratch, static (a, b) => a + b);

    /// <inheritdoc />
    public void AllreduceSum(long[] values) => Reduce(values, ref _longScratch, static (a, b) => unchecked(a + b));

    /// <inheritdoc />
    public void Barrier() => _world.Wait();

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        _world.Cancel();
        throw new OperationCanceledException($"rank {Rank} aborted the job with exit code {exitCode}");
    }

    private void Reduce<T>(T[] values, ref T[] scratch, Func<T, T, T> add)
    {
        _world.Slots[Rank] = values;
        _world.Wait();
        if (scratch.Length != values.Length) scratch = new T[values.Length];
        for (int r = 0; r < Size; r++)
        {
            var other = (T[])_world.Slots[r]!;
            if (other.Length != values.Length)
                throw new InvalidOperationException($"rank {r} reduced {other.Length} values, rank {Rank} {values.Length}");
            for (int i = 0; i < values.Length; i++) scratch[i] = r == 0 ? other[i] : add(scratch[i], other[i]);
        }
        _world.Wait();
        scratch.CopyTo(values, 0);
    }

    private sealed class World(int size, TimeSpan timeout)
    {
        private readonly Barrier _barrier = new(size);
        private readonly CancellationTokenSource _cancel = new();
        public int Size { get; } = size;
        public object?[] Slots { get; } = new object?[size];

        public void Cancel() => _cancel.Cancel();

        public void Wait()
        {
            if (!_barrier.SignalAndWait(timeout, _cancel.Token))
            {
                Cancel();
                throw new TimeoutException($"a collective waited more than {timeout.TotalSeconds} s");
            }
        }
    }
}
