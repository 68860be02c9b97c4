using System.Numerics;

namespace MpiDescent.Communication;

/// <summary>
/// One rank of an in-process job whose ranks are threads (see <see cref="Run{T}"/>), for unit tests. Each collective
/// publishes a copy of every rank's values, then each rank combines them in rank order, so results are deterministic.
/// A failure on any rank cancels the others' waits, so a test never hangs.
/// </summary>
public sealed class ThreadedCommunicator : ICommunicator
{
    private readonly World _world;

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
    public void Allreduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        var all = Exchange<T>(values, values.Length);
        var total = Combine(all, 0, values.Length, operation);
        _world.Wait();
        total.CopyTo(values);
    }

    /// <inheritdoc />
    public void ReduceScatter<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> counts, Span<T> result,
        ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        long start = 0;
        for (int r = 0; r < Rank; r++) start += counts[r];
        long total = 0;
        foreach (int c in counts) total += c;
        if (values.Length != total) throw new ArgumentException($"{values.Length} values for segments of {total}");
        var all = Exchange(values, values.Length);
        var mine = Combine(all, (int)start, counts[Rank], operation);
        _world.Wait();
        mine.CopyTo(result);
    }

    /// <inheritdoc />
    public void Allgather<T>(ReadOnlySpan<T> local, ReadOnlySpan<int> counts, Span<T> result) where T : unmanaged
    {
        if (local.Length != counts[Rank]) throw new ArgumentException($"rank {Rank} sends {local.Length}, not " +
            $"{counts[Rank]}");
        var all = Exchange(local, -1);
        int offset = 0;
        for (int r = 0; r < Size; r++)
        {
            if (all[r].Length != counts[r]) throw new InvalidOperationException($"rank {r} sent {all[r].Length} " +
                $"values");
            all[r].CopyTo(result[offset..]);
            offset += counts[r];
        }
        _world.Wait();
    }

    /// <inheritdoc />
    public void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive,
        ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        var counts = Exchange(sendCounts, Size);
        _world.Wait(); // every rank has read the counts before the slots take the values
        var all = Exchange(send, -1);
        int at = 0;
        for (int s = 0; s < Size; s++)
        {
            int offset = 0;
            for (int r = 0; r < Rank; r++) offset += counts[s][r];
            if (counts[s][Rank] != receiveCounts[s])
                throw new InvalidOperationException($"rank {s} sends {counts[s][Rank]} values to rank {Rank}, which " +
                    $"expects {receiveCounts[s]}");
            all[s].AsSpan(offset, receiveCounts[s]).CopyTo(receive[at..]);
            at += receiveCounts[s];
        }
        _world.Wait();
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        var all = Exchange<T>(values, values.Length);
        all[root].CopyTo(values);
        _world.Wait();
    }

    /// <inheritdoc />
    public void Barrier() => _world.Wait();

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        _world.Cancel();
        throw new OperationCanceledException($"rank {Rank} aborted the job with exit code {exitCode}");
    }

    /// <summary>Publishes a copy of this rank's values and returns every rank's (after a barrier); with a non-negative
    /// <paramref name="length"/>, checks that all ranks passed that many.</summary>
    private T[][] Exchange<T>(ReadOnlySpan<T> values, int length)
    {
        _world.Slots[Rank] = values.ToArray();
        _world.Wait();
        var all = new T[Size][];
        for (int r = 0; r < Size; r++)
        {
            all[r] = (T[])_world.Slots[r]!;
            if (length >= 0 && all[r].Length != length)
                throw new InvalidOperationException($"rank {r} passed {all[r].Length} values, rank {Rank} {length}");
        }
        return all;
    }

    private static T[] Combine<T>(T[][] all, int start, int count, ReduceOperation operation) where T : INumber<T>
    {
        var total = all[0].AsSpan(start, count).ToArray();
        for (int r = 1; r < all.Length; r++)
            for (int i = 0; i < count; i++)
            {
                T other = all[r][start + i];
                total[i] = operation switch
                {
                    ReduceOperation.Sum => unchecked(total[i] + other),
                    ReduceOperation.Max => T.Max(total[i], other),
                    _ => T.Min(total[i], other),
                };
            }
        return total;
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
