using System.Runtime.ExceptionServices;
using MpiDescent.Model;
using MpiDescent.Numerics;
using MpiDescent.Training.Objectives;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Paths;

/// <summary>
/// Runs one iterative method per member of an <see cref="ObjectiveBatch"/> in lockstep: each method runs under a
/// <see cref="SolverLoop"/> of its own, on a thread of its own, and sees its member only as an <see
/// cref="IObjective"/>; the calling thread waits until every method still running has asked for an evaluation, makes
/// them all in one shared pass and reduction (<see cref="ObjectiveBatch.Evaluate"/>, members in the batch's order),
/// and hands each method its result. A method that stops (converged, or its limit) leaves the batch, so it costs no
/// more work. Every method's evaluations are those it would make alone, in the same order, so each result is the one
/// it would reach alone; the set of methods in each round follows from reduced values only, so it is the same on
/// every rank. Only the calling thread communicates, checkpoints included (<see cref="PathSaving"/>).
/// </summary>
public sealed class LockstepSolvers
{
    private readonly object _gate = new();
    private readonly ObjectiveBatch _batch;
    private readonly Member[] _members;
    private int _alive, _waiting;

    private readonly PathSaving? _saving;
    private readonly RunControl? _control;

    private readonly Action<int>? _afterRound;

    private LockstepSolvers(ObjectiveBatch batch, PathSaving? saving, RunControl? control, Action<int>? afterRound)
    {
        _batch = batch;
        _afterRound = afterRound;
        _saving = saving;
        _control = control;
        _members = batch.Members.Select((m, k) => new Member(this, k, m.Dimension)).ToArray();
    }

    /// <summary>Runs <paramref name="methods"/>[k] (made over the objective it is given, which stands for member k of
    /// <paramref name="batch"/>) from <paramref name="initial"/>[k] (θ = 0 when null or empty), or from its saved
    /// state <paramref name="resume"/>[k] when there is one, until <paramref name="termination"/>[k] stops it, with
    /// the agreed stop requests of <paramref name="hooks"/> (no progress lines), and returns each result
    /// (collective). <paramref name="referenceNorms"/>[k], when given, is the gradient norm member k's relative
    /// tolerance is measured against (<see cref="SolverHooks.ReferenceGradientNorm"/>). With <paramref
    /// name="saving"/>, the members save their states for checkpoints, and a member stopped by a signal saves its
    /// state before it returns. <paramref name="afterRound"/> hears, after each shared pass, how many models took
    /// part in it.</summary>
    public static OptimizationResult[] Run(ObjectiveBatch batch,
        IReadOnlyList<Func<IObjective, IIterativeMethod>> methods, IReadOnlyList<TerminationCriteria> termination,
        SolverHooks hooks, IReadOnlyList<double[]>? initial = null, IReadOnlyList<double>? referenceNorms = null,
        IReadOnlyList<SolverState?>? resume = null, PathSaving? saving = null, Action<int>? afterRound = null)
    {
        if (methods.Count != batch.Members.Count || termination.Count != methods.Count
            || (initial is not null && initial.Count != methods.Count)
            || (referenceNorms is not null && referenceNorms.Count != methods.Count)
            || (resume is not null && resume.Count != methods.Count))
            throw new ArgumentException("one method, termination, starting point, reference norm and saved state " +
                "per member");
        return new LockstepSolvers(batch, saving, hooks.Control, afterRound).RunAll(methods, termination,
            hooks with { Checkpoint = null, Progress = null, ResumeFrom = null }, initial, referenceNorms, resume);
    }

    private OptimizationResult[] RunAll(IReadOnlyList<Func<IObjective, IIterativeMethod>> methods,
        IReadOnlyList<TerminationCriteria> termination, SolverHooks hooks, IReadOnlyList<double[]>? initial,
        IReadOnlyList<double>? referenceNorms, IReadOnlyList<SolverState?>? resume)
    {
        int count = _members.Length;
        var results = new OptimizationResult[count];
        var errors = new ExceptionDispatchInfo?[count];
        _alive = count;
        var threads = new Thread[count];
        for (int k = 0; k < count; k++)
        {
            int index = k;
            threads[k] = new Thread(() =>
            {
                try
                {
                    var member = _members[index];
                    var start = initial?[index] is { Length: > 0 } given ? given : new double[member.Dimension];
                    var own = referenceNorms is null ? hooks
                        : hooks with { ReferenceGradientNorm = referenceNorms[index] };
                    if (_saving is { } saving)
                        own = own with
                        {
                            Checkpoint = state =>
                            {
                                saving.Save(index, state);
                                (member.Saved, member.Requested) = (true, false);
                            },
                            SaveDue = iteration => (saving.Every > 0 && iteration > 0 && iteration % saving.Every == 0)
                                || member.Requested,
                        };
                    own = own with { ResumeFrom = resume?[index] };
                    results[index] = new SolverLoop(member, termination[index], own).Run(methods[index](member),
                        start);
                }
                catch (Exception e) { errors[index] = ExceptionDispatchInfo.Capture(e); }
                finally
                {
                    lock (_gate)
                    {
                        _members[index].Done = true;
                        _alive--;
                        Monitor.PulseAll(_gate);
                    }
                }
            })
            { IsBackground = true, Name = $"path model {index}" };
        }
        foreach (var thread in threads) thread.Start();
        Coordinate();
        foreach (var thread in threads) thread.Join();
        foreach (var error in errors) error?.Throw();
        return results;
    }

    /// <summary>The calling thread's loop: a round whenever every running method waits for an evaluation.</summary>
    private void Coordinate()
    {
        while (true)
        {
            int[] ready;
            lock (_gate)
            {
                while (_waiting < _alive) Monitor.Wait(_gate);
                if (_alive == 0) return;
                // Every model still running has saved its state since the last checkpoint: write one (collective;
                // the set follows from reduced values only). After an agreed stop the caller writes the last.
                if (_saving is not null && _control?.StopAgreed != true && _members.Any(m => m.Saved)
                    && _members.All(m => m.Saved || m.Done))
                {
                    _saving.Write();
                    foreach (var member in _members) member.Saved = false;
                }
                ready = Enumerable.Range(0, _members.Length).Where(k => _members[k].Pending).ToArray();
            }
            var values = new double[ready.Length];
            var failures = new Exception?[ready.Length];
            _batch.Evaluate(ready, ready.Select(k => _members[k].Point).ToArray(),
                ready.Select(k => _members[k].Gradient).ToArray(), values, failures);
            _afterRound?.Invoke(ready.Length);
            lock (_gate)
            {
                for (int i = 0; i < ready.Length; i++)
                {
                    var member = _members[ready[i]];
                    (member.Value, member.Failure, member.Pending) = (values[i], failures[i], false);
                }
                _waiting -= ready.Length;
                // A time-based checkpoint agreed in this round's reduction: each running model saves at its next top.
                if (_saving is not null && _control?.CheckpointAgreed == true)
                    foreach (var member in _members) member.Requested |= !member.Done;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>A method's thread: hands its point to the coordinator and waits for the result.</summary>
    private void Submit(Member member)
    {
        lock (_gate)
        {
            member.Pending = true;
            _waiting++;
            Monitor.PulseAll(_gate);
            while (member.Pending) Monitor.Wait(_gate);
        }
    }

    /// <summary>Member k of the batch as its method sees it.</summary>
    private sealed class Member(LockstepSolvers owner, int index, int dimension) : IObjective
    {
        public readonly double[] Point = new double[dimension], Gradient = new double[dimension];
        public double Value;
        public Exception? Failure;
        public bool Pending;
        public bool Done, Saved, Requested; // finished; saved since the last checkpoint; asked to save at its next top

        public int Dimension => dimension;

        public ParameterSpace Space { get; } = ParameterSpace.Whole(dimension);

        public long Evaluations => owner._batch.Members[index].Evaluations;

        public double ValidationLoss => owner._batch.Members[index].ValidationLoss;

        public double Evaluate(ReadOnlySpan<double> point, Span<double> gradient)
        {
            point.CopyTo(Point);
            owner.Submit(this);
            if (Failure is not null) throw new NonFiniteValueException(Failure.Message);
            Gradient.CopyTo(gradient);
            return Value;
        }
    }
}

/// <summary>How the models of a lockstep run save their states for checkpoints: each saves its state (<see
/// cref="Save"/>, with its index in the batch) at the top of every <see cref="Every"/>-th iteration (0: never) and at
/// its first top after an agreed time-based request; once every model still running has saved since the last
/// checkpoint, the coordinating thread calls <see cref="Write"/> (collective) while the models wait. The models reach
/// their tops in different rounds, so a checkpoint holds each model's latest state, whatever its iteration.</summary>
/// <param name="Every">Iterations between saves (<c>--checkpoint-every</c>), or 0.</param>
/// <param name="Save">Keeps member k's state (a solver's own arrays, valid during the call: copy them).</param>
/// <param name="Write">Writes a checkpoint of every model's progress (collective).</param>
public sealed record PathSaving(int Every, Action<int, SolverState> Save, Action Write);
