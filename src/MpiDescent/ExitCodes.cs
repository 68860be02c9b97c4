namespace MpiDescent;

/// <summary>The documented process exit codes (docs/operations.md).</summary>
public static class ExitCodes
{
    /// <summary>Finished; the model was written.</summary>
    public const int Success = 0;
    /// <summary>An unexpected error (a bug or the system): the message names the rank.</summary>
    public const int InternalError = 1;
    /// <summary>The command line is wrong; nothing was read.</summary>
    public const int Usage = 2;
    /// <summary>An input file is missing, unreadable or malformed.</summary>
    public const int BadInput = 3;
    /// <summary>The optimization diverged (non-finite or exploding loss); the last finite model was kept.</summary>
    public const int Diverged = 4;
    /// <summary>Interrupted by a signal (SIGTERM, SIGUSR1); a checkpoint was saved to resume from.</summary>
    public const int Interrupted = 5;
    /// <summary>MPI could not be set up correctly (Open MPI, wrong mpiexec, missing library).</summary>
    public const int MpiSetup = 6;
    /// <summary>A rank stopped responding (a collective did not complete within the stall timeout, or could not
    /// complete after a stop signal); the message names the ranks that did not arrive. The last checkpoint is
    /// intact.</summary>
    public const int Stalled = 7;
    /// <summary>With <c>--require-convergence</c>: the run ended short of its tolerance (the iteration limit, or no
    /// further progress); the model, the best point found, was written and says <c>converged: false</c>.</summary>
    public const int NotConverged = 8;
}
