using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using MpiDescent.IO;

namespace MpiDescent.Communication;

/// <summary>
/// The MPI communicator: MPI-3 non-blocking collectives on a duplicate of MPI_COMM_WORLD, each completed by polling
/// <c>MPI_Test</c> under the <see cref="Watchdog"/> (<see cref="CollectiveWatchdog"/>), so that a rank that never
/// arrives is named instead of hanging the job. Messages beyond <see cref="MaxMessageBytes"/> (MPI counts are 32-bit)
/// are sent in pieces. No call allocates, except the rare pieces' packing buffer. </summary>
public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    private const long Probe = 1, Reply = 2;
    private const int ProbeTag = 7301;
    private readonly int _comm;
    private readonly int _probeComm;
    private int _probeRequest;
    private readonly long[] _probeIn = GC.AllocateArray<long>(3, pinned: true);
    private readonly List<long[]> _sent = [];
    private long _sequence;
    private long _lastCompleted = Stopwatch.GetTimestamp();
    private TimeSpan _longestInterval;
    private bool _disposed;

    /// <summary>Duplicates MPI_COMM_WORLD (MPI must be initialized and <see cref="MpiNative"/> loaded).</summary>
    public MpiCommunicator()
    {
        int comm, probe, rank, size;
        MpiNative.Check(MpiNative.CommDup(MpiNative.CommWorld, &comm), "MPI_Comm_dup");
        MpiNative.Check(MpiNative.CommDup(MpiNative.CommWorld, &probe), "MPI_Comm_dup");
        MpiNative.Check(MpiNative.CommRank(comm, &rank), "MPI_Comm_rank");
        MpiNative.Check(MpiNative.CommSize(comm, &size), "MPI_Comm_size");
        (_comm, _probeComm, Rank, Size) = (comm, probe, rank, size);
        PostProbeReceive();
        var stall = Environment.GetEnvironmentVariable("MPIDESCENT_STALL_TIMEOUT");
        if (double.TryParse(stall, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            && seconds >= 0)
            Watchdog.StallTimeout = TimeSpan.FromSeconds(seconds);
        var limit = Environment.GetEnvironmentVariable("MPIDESCENT_MAX_MESSAGE_BYTES");
        if (long.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out long bytes) && bytes >= 64)
            MaxMessageBytes = bytes;
    }

    /// <summary>The largest message one MPI call carries; larger ones go in pieces (1 GiB, or the environment variable
    /// <c>MPIDESCENT_MAX_MESSAGE_BYTES</c>, which the tests set small to exercise the pieces).</summary>
    public long MaxMessageBytes { get; } = 1L << 30;

    /// <summary>Stall detection for every collective (the environment variable <c>MPIDESCENT_STALL_TIMEOUT</c>, in
    /// seconds, sets its timeout for any command; <c>train --stall-timeout</c> too).</summary>
    public CollectiveWatchdog Watchdog { get; } = new();

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    private int MaxElements<T>() where T : unmanaged => (int)Math.Min(int.MaxValue, MaxMessageBytes / sizeof(T));

    /// <inheritdoc />
    public void Allreduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        int type = MpiNative.Datatype<T>(), op = MpiNative.Operation(operation), chunk = MaxElements<T>();
        fixed (T* p = values)
            for (long offset = 0; offset < values.Length; offset += chunk)
            {
                int n = (int)Math.Min(chunk, values.Length - offset), request;
                MpiNative.Check(MpiNative.Iallreduce(MpiNative.InPlace, p + offset, n, type, op, _comm, &request),
                    "MPI_Iallreduce");
                Complete(&request, "Allreduce");
            }
    }

    /// <inheritdoc />
    public void ReduceScatter<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> counts, Span<T> result,
        ReduceOperation operation) where T : unmanaged, INumber<T>
    {
        var layout = new BlockLayout(counts.ToArray());
        if (values.Length != layout.Total)
            throw new ArgumentException($"{values.Length} values for segments of {layout.Total} elements");
        int type = MpiNative.Datatype<T>(), op = MpiNative.Operation(operation);
        long pieces = Math.Max(1, (layout.Total + MaxElements<T>() - 1) / MaxElements<T>());
        if (pieces == 1)
        {
            fixed (T* send = values) fixed (T* receive = result) fixed (int* c = counts)
            {
                int request;
                MpiNative.Check(MpiNative.IreduceScatter(send, receive, c, type, op, _comm, &request),
                    "MPI_Ireduce_scatter");
                Complete(&request, "ReduceScatter");
            }
            return;
        }
        // In pieces: piece t of every segment, packed in rank order, one reduce-scatter per piece.
        var pieceCounts = new int[Size];
        var packed = ArrayPool<T>.Shared.Rent(MaxElements<T>() + Size);
        try
        {
            for (long t = 0; t < pieces; t++)
            {
                int filled = 0;
                for (int r = 0; r < Size; r++)
                {
                    var (from, to) = Piece(counts[r], t, pieces);
                    pieceCounts[r] = to - from;
                    values.Slice((int)(layout.Start(r) + from), to - from).CopyTo(packed.AsSpan(filled));
                    filled += to - from;
                }
                var (mine, _) = Piece(counts[Rank], t, pieces);
                fixed (T* send = packed) fixed (T* receive = result[mine..]) fixed (int* c = pieceCounts)
                {
                    int request;
                    MpiNative.Check(MpiNative.IreduceScatter(send, receive, c, type, op, _comm, &request),
                        "MPI_Ireduce_scatter");
                    Complete(&request, "ReduceScatter");
                }
            }
        }
        finally { ArrayPool<T>.Shared.Return(packed); }
    }

    /// <inheritdoc />
    public void Allgather<T>(ReadOnlySpan<T> local, ReadOnlySpan<int> counts, Span<T> result) where T : unmanaged
    {
        var layout = new BlockLayout(counts.ToArray());
        if (local.Length != counts[Rank]) throw new ArgumentException($"rank {Rank} sends {local.Length}, not " +
            $"{counts[Rank]}");
        int type = MpiNative.Datatype<T>();
        long pieces = Math.Max(1, (layout.Total + MaxElements<T>() - 1) / MaxElements<T>());
        var pieceCounts = new int[Size];
        var offsets = new int[Size];
        var packed = pieces == 1 ? null : ArrayPool<T>.Shared.Rent(MaxElements<T>() + Size);
        try
        {
            for (long t = 0; t < pieces; t++)
            {
                int total = 0;
                for (int r = 0; r < Size; r++)
                {
                    var (from, to) = Piece(counts[r], t, pieces);
                    (pieceCounts[r], offsets[r]) = (to - from, total);
                    total += to - from;
                }
                var (mine, end) = Piece(counts[Rank], t, pieces);
                var target = packed is null ? result : packed.AsSpan();
                fixed (T* send = local[mine..]) fixed (T* receive = target) fixed (int* c = pieceCounts)
                fixed (int* o = offsets)
                {
                    int request;
                    MpiNative.Check(MpiNative.Iallgatherv(send, end - mine, type, receive, c, o, type, _comm, &request),
                        "MPI_Iallgatherv");
                    Complete(&request, "Allgather");
                }
                if (packed is null) continue;
                for (int r = 0; r < Size; r++)
                {
                    var (from, _) = Piece(counts[r], t, pieces);
                    packed.AsSpan(offsets[r], pieceCounts[r]).CopyTo(result[(int)(layout.Start(r) + from)..]);
                }
            }
        }
        finally { if (packed is not null) ArrayPool<T>.Shared.Return(packed); }
    }

    /// <inheritdoc />
    public void Alltoallv<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive,
        ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        var sendOffsets = Offsets(sendCounts, send.Length, "sends");
        var receiveOffsets = Offsets(receiveCounts, receive.Length, "receives");
        int type = MpiNative.Datatype<T>();
        fixed (T* s = send) fixed (T* r = receive) fixed (int* sc = sendCounts) fixed (int* so = sendOffsets)
        fixed (int* rc = receiveCounts) fixed (int* ro = receiveOffsets)
        {
            int request;
            MpiNative.Check(MpiNative.Ialltoallv(s, sc, so, type, r, rc, ro, type, _comm, &request),
                "MPI_Ialltoallv");
            Complete(&request, "Alltoallv");
        }
    }

    /// <summary>The displacements of <paramref name="counts"/> in a buffer of <paramref name="length"/>
    /// elements.</summary>
    private int[] Offsets(ReadOnlySpan<int> counts, int length, string what)
    {
        var offsets = new int[Size];
        long total = 0;
        for (int r = 0; r < Size; r++)
        {
            offsets[r] = checked((int)total);
            total += counts[r];
        }
        if (total > length) throw new ArgumentException($"rank {Rank} {what} {total} elements with a buffer of " +
            $"{length}");
        return offsets;
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        int type = MpiNative.Datatype<T>(), chunk = MaxElements<T>();
        fixed (T* p = values)
            for (long offset = 0; offset < values.Length; offset += chunk)
            {
                int n = (int)Math.Min(chunk, values.Length - offset), request;
                MpiNative.Check(MpiNative.Ibcast(p + offset, n, type, root, _comm, &request), "MPI_Ibcast");
                Complete(&request, "Broadcast");
            }
    }

    /// <inheritdoc />
    public void Barrier()
    {
        int request;
        MpiNative.Check(MpiNative.Ibarrier(_comm, &request), "MPI_Ibarrier");
        Complete(&request, "Barrier");
    }

    /// <inheritdoc />
    public void Abort(int exitCode) => MpiNative.Abort(MpiNative.CommWorld, exitCode);

    /// <summary>Elements [from, to) of a segment of <paramref name="count"/> that piece <paramref name="t"/> of
    /// <paramref name="pieces"/> carries.</summary>
    private static (int From, int To) Piece(int count, long t, long pieces) =>
        ((int)(count * t / pieces), (int)(count * (t + 1) / pieces));

    /// <summary>Polls the request until it completes, answering other ranks' stall probes meanwhile; on a stall (or a
    /// stop request that the collective cannot reach) diagnoses and aborts the job.</summary>
    private void Complete(int* request, string operation)
    {
        long sequence = ++_sequence, started = Stopwatch.GetTimestamp(), signalled = 0;
        for (int polls = 1; ; polls++)
        {
            int done;
            MpiNative.Check(MpiNative.Test(request, &done, MpiNative.StatusIgnore), "MPI_Test");
            if (done != 0) break;
            if ((polls & 255) != 0) continue;
            AnswerProbes(sequence, null);
            var waited = Stopwatch.GetElapsedTime(started);
            if (waited > TimeSpan.FromMilliseconds(1)) Thread.Yield(); // lets an oversubscribed node's ranks run
            if (signalled == 0 && Watchdog.StopRequested?.Invoke() == true) signalled = Stopwatch.GetTimestamp();
            var timeout = Watchdog.EffectiveStallTimeout;
            bool stalled = timeout > TimeSpan.Zero && waited > timeout;
            bool stuck = signalled != 0 && Stopwatch.GetElapsedTime(signalled) > Watchdog.SignalGrace(_longestInterval);
            if (stalled || stuck) Diagnose(request, sequence, operation, waited, afterSignal: !stalled);
        }
        long now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_lastCompleted, now);
        if (interval > _longestInterval) _longestInterval = interval;
        _lastCompleted = now;
    }

    private void PostProbeReceive()
    {
        int request;
        fixed (long* buffer = _probeIn)
            MpiNative.Check(MpiNative.Irecv(buffer, 3, MpiNative.Datatype<long>(), MpiNative.AnySource, ProbeTag,
                _probeComm, &request), "MPI_Irecv");
        _probeRequest = request;
    }

    private void Send(int destination, long kind, long sequence)
    {
        var message = GC.AllocateArray<long>(3, pinned: true); // kept alive: MPI reads it after MPI_Request_free
        (message[0], message[1], message[2]) = (kind, Rank, sequence);
        _sent.Add(message);
        int request;
        fixed (long* buffer = message)
            MpiNative.Check(MpiNative.Isend(buffer, 3, MpiNative.Datatype<long>(), destination, ProbeTag, _probeComm,
                &request), "MPI_Isend");
        MpiNative.Check(MpiNative.RequestFree(&request), "MPI_Request_free");
    }

    /// <summary>Handles every probe message that has arrived: answers probes with this rank's collective number and
    /// records, into <paramref name="heard"/> when diagnosing, who is where. Returns the lowest rank that sent a probe
    /// (another diagnosing rank), or int.MaxValue.</summary>
    private int AnswerProbes(long sequence, Dictionary<int, long>? heard)
    {
        int lowestProber = int.MaxValue;
        while (true)
        {
            int done;
            fixed (int* request = &_probeRequest)
                MpiNative.Check(MpiNative.Test(request, &done, MpiNative.StatusIgnore), "MPI_Test");
            if (done == 0) return lowestProber;
            long kind = _probeIn[0], sequenceThere = _probeIn[2];
            int from = (int)_probeIn[1];
            PostProbeReceive();
            if (kind == Probe)
            {
                Send(from, Reply, sequence);
                lowestProber = Math.Min(lowestProber, from);
            }
            if (heard is not null) heard[from] = sequenceThere;
        }
    }

    private void Diagnose(int* request, long sequence, string operation, TimeSpan waited, bool afterSignal)
    {
        for (int r = 0; r < Size; r++)
            if (r != Rank) Send(r, Probe, sequence);
        var heard = new Dictionary<int, long> { [Rank] = sequence };
        int lowestProber = int.MaxValue;
        long deadline = Stopwatch.GetTimestamp()
            + (long)(CollectiveWatchdog.DiagnosisWindow.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int done;
            MpiNative.Check(MpiNative.Test(request, &done, MpiNative.StatusIgnore), "MPI_Test");
            if (done != 0) return; // it completed after all: carry on
            lowestProber = Math.Min(lowestProber, AnswerProbes(sequence, heard));
            Thread.Sleep(1);
        }
        var missing = Enumerable.Range(0, Size).Where(r => !heard.ContainsKey(r)).ToArray();
        var elsewhere = heard.Where(h => h.Value != sequence).OrderBy(h => h.Key)
            .Select(h => $"rank {h.Key} is in collective #{h.Value}").ToArray();
        string who = missing.Length == 0 ? "no rank is missing"
            : missing.Length == 1 ? $"rank {missing[0]} did not arrive"
            : $"ranks {string.Join(",", missing)} did not arrive";
        string message = string.Create(CultureInfo.InvariantCulture,
            $"the job stalled: {who} at collective #{sequence} ({operation}); rank {Rank} waited " +
                $"{waited.TotalSeconds:F0} s")
            + (elsewhere.Length > 0 ? $" ({string.Join("; ", elsewhere)})" : "")
            + (afterSignal ? "; a stop was requested by a signal, but the collective could not complete"
                : $" (--stall-timeout {Watchdog.StallTimeout.TotalSeconds:G} s" + (Watchdog.Allowance > TimeSpan.Zero
                    ? $", plus {Watchdog.Allowance.TotalSeconds:F0} s while rank 0 worked on the input alone)" : ")"))
            + ". The last checkpoint, if any, is intact; resume from it once the node is healthy";
        if (lowestProber > Rank)
        {
            Console.Error.WriteLine($"MpiDescent: error: {PrintableText.Escape(message, true)}");
            Console.Error.Flush();
        }
        try { Watchdog.BeforeAbort?.Invoke(message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MpiDescentException) { }
        Thread.Sleep(lowestProber > Rank ? 300 : 1000); // let the message through the launcher's forwarding
        MpiNative.Abort(MpiNative.CommWorld, ExitCodes.Stalled);
    }

    /// <summary>Cancels the standing probe receive and frees the duplicate communicators (before
    /// MPI_Finalize).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        fixed (int* request = &_probeRequest)
        {
            MpiNative.Check(MpiNative.Cancel(request), "MPI_Cancel");
            MpiNative.Check(MpiNative.Wait(request, MpiNative.StatusIgnore), "MPI_Wait");
        }
        fixed (int* comm = &_comm) MpiNative.Check(MpiNative.CommFree(comm), "MPI_Comm_free");
        fixed (int* comm = &_probeComm) MpiNative.Check(MpiNative.CommFree(comm), "MPI_Comm_free");
    }
}
