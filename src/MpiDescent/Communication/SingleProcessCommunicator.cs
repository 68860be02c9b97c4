namespace MpiDescent.Communication;

/// <summary>A job of one rank without MPI: every collective is the identity.</summary>
public sealed class SingleProcessCommunicator : ICommunicator
{
    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public void AllreduceSum(double[] values) { }

    /// <inheritdoc />
    public void AllreduceSum(long[] values) { }

    /// <inheritdoc />
    public void Barrier() { }

    /// <inheritdoc />
    public void Abort(int exitCode) => System.Environment.Exit(exitCode);
}
