namespace MpiDescent.Communication;

/// <summary>MPI could not be started in a way that gives a correct job.</summary>
public sealed class MpiSetupException(string message) : MpiDescentException(message, ExitCodes.MpiSetup);
