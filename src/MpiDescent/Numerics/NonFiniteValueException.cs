namespace MpiDescent.Numerics;

/// <summary>A loss or gradient became NaN, infinite, or too large to sum: the optimization diverged.</summary>
public sealed class NonFiniteValueException(string message) : MpiDescentException(message, ExitCodes.Diverged);
