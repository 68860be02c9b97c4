using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Solvers;

/// <summary>The exact least-squares solve (<see cref="NormalEquations"/>) as a method of the solver loop: its start is
/// the solution, then one evaluation there gives the reported loss and gradient norm.</summary>
public sealed class ExactSolve(LinearObjective objective, DataShard shard, RowPartition partition, ICommunicator comm)
    : IIterativeMethod
{
    private double[] _point = [];
    private double[] _gradient = [];
    private double _loss;

    /// <inheritdoc />
    public void Start(ReadOnlySpan<double> point, SolverState? resume)
    {
        long solveStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var settings = objective.Settings;
        _point = NormalEquations.Solve(shard, partition, comm, settings.FitIntercept, settings.Summation, settings.L2);
        objective.CountComputeSeconds(System.Diagnostics.Stopwatch.GetElapsedTime(solveStart).TotalSeconds);
        objective.CountPasses(1);
        _gradient = new double[_point.Length];
        _loss = objective.Evaluate(_point, _gradient); // one pass, for the reported loss and gradient norm
    }

    /// <inheritdoc />
    public SolverInfo Solver => SolverCatalog.Get(SolverKind.Exact);

    /// <inheritdoc />
    public double[] Point => _point;

    /// <inheritdoc />
    public double Loss => _loss;

    /// <inheritdoc />
    public ReadOnlySpan<double> Stationarity => _gradient;

    /// <inheritdoc />
    public double StepSize => double.NaN;

    /// <inheritdoc />
    public long DataPasses => objective.Evaluations;

    /// <inheritdoc />
    public bool IsDirect => true;

    /// <inheritdoc />
    public StepResult Step(int iteration, IStepMonitor monitor) =>
        throw new InvalidOperationException("a direct solve has no iterations");

    /// <inheritdoc />
    public double[][]? SaveState() => null;
}
