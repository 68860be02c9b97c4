using System.Diagnostics;
using System.Globalization;
using System.Numerics;

namespace MpiDescent.Communication;

/// <summary>
/// Checks every collective of a communicator against values each rank can compute by itself: reductions (sum, max,
/// min) of long and double, reduce-scatter, all-gather and all-to-all over uneven segments (empty ones included),
/// broadcast from every root, and a barrier, at sizes that need several messages when
/// <c>MPIDESCENT_MAX_MESSAGE_BYTES</c> is small. <c>MpiDescent selftest</c> runs it under the launcher, so a user can
/// check an MPI installation; the unit tests run it on the threaded communicator.
/// </summary>
public static class CollectiveSelfTest
{
    /// <summary>Runs the checks (collective); returns the failures found on this rank (empty when all passed) and the
    /// number of checks.</summary>
    public static (List<string> Failures, int Checks) Run(ICommunicator comm)
    {
        var failures = new List<string>();
        int checks = 0;
        void Expect<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<T> expected) where T : IEquatable<T>
        {
            checks++;
            if (actual.SequenceEqual(expected)) return;
            int k = 0;
            while (k < Math.Min(actual.Length, expected.Length) && actual[k].Equals(expected[k])) k++;
            failures.Add($"rank {comm.Rank}: {what}: element {k} is "
                + (k < actual.Length ? actual[k].ToString() : "missing") + ", expected "
                + (k < expected.Length ? expected[k].ToString() : "nothing"));
        }
        int size = comm.Size, rank = comm.Rank;
        foreach (int length in new[] { 1, 5, 1000, 20_001 })
        {
            Reductions<long>(comm, length, (r, i) => (long)r * 1_000_003 + i * 7 - 40, Expect);
            Reductions<double>(comm, length, (r, i) => Math.Pow(2, r % 7) * (i % 13 - 6) + 0.5, Expect);
        }
        foreach (int unit in new[] { 1, 3, 1500 })
        {
            // Uneven segments, some empty: rank r gets (r * 5 + 2) % 7 units.
            var counts = Enumerable.Range(0, size).Select(r => (r * 5 + 2) % 7 * unit).ToArray();
            var layout = new BlockLayout(counts);
            var values = new long[layout.Total];
            for (int i = 0; i < values.Length; i++) values[i] = Value(rank, i);
            var mine = new long[counts[rank]];
            comm.ReduceScatter<long>(values, counts, mine, ReduceOperation.Sum);
            var expected = new long[counts[rank]];
            for (int i = 0; i < expected.Length; i++)
                for (int r = 0; r < size; r++) expected[i] += Value(r, (int)layout.Start(rank) + i);
            Expect($"ReduceScatter of long, {unit}-element units", mine, expected);

            var doubles = values.Select(v => (double)v).ToArray();
            var maxima = new double[counts[rank]];
            comm.ReduceScatter<double>(doubles, counts, maxima, ReduceOperation.Max);
            var expectedMax = expected.Select((_, i) => Enumerable.Range(0, size)
                .Max(r => (double)Value(r, (int)layout.Start(rank) + i))).ToArray();
            Expect($"ReduceScatter max of double, {unit}-element units", maxima, expectedMax);

            var local = Enumerable.Range(0, counts[rank]).Select(i => rank * 0.25 + i).ToArray();
            var gathered = new double[layout.Total];
            comm.Allgather<double>(local, counts, gathered);
            var expectedGather = Enumerable.Range(0, size)
                .SelectMany(r => Enumerable.Range(0, counts[r]).Select(i => r * 0.25 + i)).ToArray();
            Expect($"Allgather of double, {unit}-element units", gathered, expectedGather);

            // Rank s sends rank r (s·3 + r) % 5 units of values that name both.
            int Count(int from, int to) => (from * 3 + to) % 5 * unit;
            double Sent(int from, int to, int i) => from * 1e6 + to * 1e3 + i;
            var sendCounts = Enumerable.Range(0, size).Select(r => Count(rank, r)).ToArray();
            var receiveCounts = Enumerable.Range(0, size).Select(r => Count(r, rank)).ToArray();
            var send = Enumerable.Range(0, size)
                .SelectMany(r => Enumerable.Range(0, Count(rank, r)).Select(i => Sent(rank, r, i))).ToArray();
            var received = new double[receiveCounts.Sum()];
            comm.Alltoallv<double>(send, sendCounts, received, receiveCounts);
            var expectedReceived = Enumerable.Range(0, size)
                .SelectMany(r => Enumerable.Range(0, Count(r, rank)).Select(i => Sent(r, rank, i))).ToArray();
            Expect($"Alltoallv of double, {unit}-element units", received, expectedReceived);
        }
        for (int root = 0; root < size; root++)
        {
            var bytes = Enumerable.Range(0, 3000).Select(i => (byte)(rank == root ? (i * 31 + root) : 0)).ToArray();
            comm.Broadcast<byte>(bytes, root);
            Expect($"Broadcast of bytes from rank {root}", bytes,
                Enumerable.Range(0, 3000).Select(i => (byte)(i * 31 + root)).ToArray());
        }
        comm.Barrier();
        checks++;
        return (failures, checks);

        static long Value(int r, int i) => (long)(r + 1) * 1_000_000_007 + i * (r % 3 + 1);
    }

    private delegate void Checker<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<T> expected);

    private static void Reductions<T>(ICommunicator comm, int length, Func<int, int, T> value, Checker<T> expect)
        where T : unmanaged, INumber<T>
    {
        foreach (var operation in Enum.GetValues<ReduceOperation>())
        {
            var values = new T[length];
            for (int i = 0; i < length; i++) values[i] = value(comm.Rank, i);
            comm.Allreduce<T>(values, operation);
            var expected = new T[length];
            for (int i = 0; i < length; i++)
            {
                T total = value(0, i);
                for (int r = 1; r < comm.Size; r++)
                    total = operation switch
                    {
                        ReduceOperation.Sum => total + value(r, i),
                        ReduceOperation.Max => T.Max(total, value(r, i)),
                        _ => T.Min(total, value(r, i)),
                    };
                expected[i] = total;
            }
            expect($"Allreduce {operation} of {length} {typeof(T).Name}", values, expected);
        }
    }

    /// <summary>Median time of <paramref name="repeats"/> Allreduce sums of <paramref name="length"/> doubles
    /// (collective), in seconds.</summary>
    public static double AllreduceSeconds(ICommunicator comm, int length, int repeats)
    {
        var values = new double[length];
        var times = new double[repeats];
        comm.Barrier();
        for (int k = 0; k < repeats; k++)
        {
            long start = Stopwatch.GetTimestamp();
            comm.Allreduce<double>(values, ReduceOperation.Sum);
            times[k] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return comm.Max(times[repeats / 2]);
    }

    /// <summary>A one-line summary of the latency and bandwidth of Allreduce on this communicator.</summary>
    public static string Timing(ICommunicator comm)
    {
        double latency = AllreduceSeconds(comm, 1, 200), big = AllreduceSeconds(comm, 1 << 20, 10);
        return string.Create(CultureInfo.InvariantCulture,
            $"Allreduce of 1 double: {latency * 1e6:F1} us; of 2^20 doubles (8 MiB): {big * 1e3:F2} ms "
            + $"({8.0 * (1 << 20) / big / 1e9:F2} GB/s), median over ranks' slowest");
    }
}
