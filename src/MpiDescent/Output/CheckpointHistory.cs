using System.Text;
using MpiDescent.IO;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Output;

/// <summary>
/// The whole iteration history of a checkpointed run, in a file beside the checkpoint (CSV, the columns of
/// <c>--history</c>), appended to at each checkpoint with the records since the last one. A checkpoint itself keeps
/// only the last two records, so writing one costs the same at iteration 100 as at 100,000 (with the history inside, a
/// run of 26,000 iterations wrote 6.7 MB per checkpoint). Rank 0 writes it; a resume reads back the records up to the
/// checkpoint's iteration. </summary>
public sealed class CheckpointHistory(string path)
{
    private int _appendedThrough = int.MinValue;

    /// <summary>The history file.</summary>
    public string Path { get; } = path;

    /// <summary>The history file of the checkpoint at <paramref name="checkpointPath"/>.</summary>
    public static string BesideCheckpoint(string checkpointPath) =>
        System.IO.Path.ChangeExtension(checkpointPath, ".history.csv");

    /// <summary>Brings the file up to <paramref name="history"/>: the first time, the whole history is written anew
    /// (atomically: it replaces the file of an earlier run); after that, the records since the last call are appended
    /// and flushed to disk.</summary>
    public void Update(IReadOnlyList<IterationRecord> history)
    {
        if (_appendedThrough == int.MinValue)
        {
            AtomicFile.WriteAllText(Path, HistoryCsv.Header + string.Concat(history.Select(HistoryCsv.Line)));
        }
        else
        {
            var text = string.Concat(history.Where(r => r.Iteration > _appendedThrough).Select(HistoryCsv.Line));
            try
            {
                using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputFileException(Path, $"cannot write: {e.Message}", e);
            }
        }
        if (history.Count > 0) _appendedThrough = history[^1].Iteration;
    }

    /// <summary>The records of the file up to <paramref name="state"/>'s iteration, when they end with the state's own
    /// last records (the file and the checkpoint belong together); else null (a missing or older file: the run goes on
    /// with the checkpoint's records only).</summary>
    public static IReadOnlyList<IterationRecord>? Read(string path, SolverState state)
    {
        if (!File.Exists(path)) return null;
        var records = new List<IterationRecord>();
        try
        {
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                if (line.Length == 0) continue;
                var record = HistoryCsv.Parse(line);
                if (record.Iteration > state.Iteration) break;
                records.Add(record);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException) { return null; }
        var tail = state.History;
        if (tail.Count == 0 || records.Count < tail.Count) return null;
        for (int k = 0; k < tail.Count; k++)
            if (records[records.Count - tail.Count + k] != tail[k]) return null;
        return records;
    }
}
