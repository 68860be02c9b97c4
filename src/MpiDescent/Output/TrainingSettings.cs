namespace MpiDescent.Output;

/// <summary>The settings a model was trained with, as recorded in the model and report files.</summary>
public sealed record TrainingSettings(string Solver, double LearningRate, string LearningRateSource, int MaxIterations, int Epochs,
    int BatchSize, double Tolerance, ulong Seed, bool FitIntercept, bool Standardize, string Summation,
    string Loss = "squared", double L2 = 0, double NegativeClassWeight = 1, double PositiveClassWeight = 1, bool LineSearch = false, double Momentum = 0, double L1 = 0, string Schedule = "constant", double LossTolerance = 0,
    double ValidationFraction = 0, int Patience = 0);
