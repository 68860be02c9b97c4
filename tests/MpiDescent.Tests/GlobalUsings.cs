global using MpiDescent.Training.Metrics;
global using MpiDescent.Training.Objectives;
global using MpiDescent.Training.Preparation;
global using MpiDescent.Training.Solvers;
global using NUnit.Framework;
