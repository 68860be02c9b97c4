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
/// every rank. Only the calling thread communicates.
/// </summary>
public sealed class LockstepSolvers
{
    private readonly object _gate = new();
    private readonly ObjectiveBatch _batch;
    private readonly Member[] _members;
    private int _alive, _waiting;

    private LockstepSolvers(ObjectiveBatch batch)
    {
        _batch = batch;
        _members = batch.Members.Select((m, k) => new Member(this, k, m.Dimension)).ToArray();
    }

    /// <summary>Runs <paramref name="methods"/>[k] (made over the objective it is given, which stands for member k of
    /// <paramref name="batch"/>) from <paramref name="initial"/>[k] (θ = 0 when null or empty) until <paramref
    /// name="termination"/>[k] stops it, with the agreed stop requests of <paramref name="hooks"/> (no checkpoints,
    /// no progress lines), and returns each result (collective). <paramref name="referenceNorms"/>[k], when given,
    /// is the gradient norm member k's relative tolerance is measured against (<see
    /// cref="SolverHooks.ReferenceGradientNorm"/>).</summary>
    public static OptimizationResult[] Run(ObjectiveBatch batch,
        IReadOnlyList<Func<IObjective, IIterativeMethod>> methods, IReadOnlyList<TerminationCriteria> termination,
        SolverHooks hooks, IReadOnlyList<double[]>? initial = null, IReadOnlyList<double>? referenceNorms = null)
    {
        if (methods.Count != batch.Members.Count || termination.Count != methods.Count
            || (initial is not null && initial.Count != methods.Count)
            || (referenceNorms is not null && referenceNorms.Count != methods.Count))
            throw new ArgumentException("one method, termination, starting point and reference norm per member");
        return new LockstepSolvers(batch).RunAll(methods, termination,
            hooks with { Checkpoint = null, Progress = null, ResumeFrom = null }, initial, referenceNorms);
    }

    private OptimizationResult[] RunAll(IReadOnlyList<Func<IObjective, IIterativeMethod>> methods,
        IReadOnlyList<TerminationCriteria> termination, SolverHooks hooks, IReadOnlyList<double[]>? initial,
        IReadOnlyList<double>? referenceNorms)
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
                    results[index] = new SolverLoop(member, termination[index], own).Run(methods[index](member),
                        start);
                }
                catch (Exception e) { errors[index] = ExceptionDispatchInfo.Capture(e); }
                finally
                {
                    lock (_gate)
                    {
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
                ready = Enumerable.Range(0, _members.Length).Where(k => _members[k].Pending).ToArray();
            }
            var values = new double[ready.Length];
            var failures = new Exception?[ready.Length];
            _batch.Evaluate(ready, ready.Select(k => _members[k].Point).ToArray(),
                ready.Select(k => _members[k].Gradient).ToArray(), values, failures);
            lock (_gate)
            {
                for (int i = 0; i < ready.Length; i++)
                {
                    var member = _members[ready[i]];
                    (member.Value, member.Failure, member.Pending) = (values[i], failures[i], false);
                }
                _waiting -= ready.Length;
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
