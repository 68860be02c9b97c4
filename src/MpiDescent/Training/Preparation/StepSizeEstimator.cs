using MpiDescent.Training.Objectives;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// The default learning rate 1/L. For least squares L is the largest eigenvalue of the Hessian X̃ᵀX̃/m; for the other
/// losses L = (bound on ℓ″)·λ_max(X̃ᵀX̃/m)·(largest class weight)·m/W + λ₂ (<see
/// cref="Losses.LossKinds.CurvatureBound"/>). λ_max is estimated by power iteration on Hessian-vector products H·v =
/// ∇J(v) − ∇J(0) of a least-squares objective over the same rows (exact for a quadratic). Power iteration approaches L
/// from below, and gradient descent is stable for steps below 2/L. </summary>
public static class StepSizeEstimator
{
    /// <summary>Estimates L (collective: each iteration is one pass over the data).</summary>
    /// <param name="objective">A least-squares objective.</param>
    /// <param name="maxIterations">The most passes.</param>
    /// <param name="relativeTolerance">Stop when successive estimates agree to this.</param>
    /// <param name="stop">Polled after each pass (an agreed value, the same on every rank): true ends the estimate
    /// early.</param>
    public static double LargestCurvature(IObjective objective, int maxIterations = 50, double relativeTolerance = 1e-3,
        Func<bool>? stop = null)
    {
        // Vectors of the objective's space: all of θ, or this rank's slice of a partitioned model.
        var space = objective.Space;
        int n = space.Length;
        var origin = new double[n];
        var gradientAtOrigin = new double[n];
        objective.Evaluate(origin, gradientAtOrigin);
        var v = Enumerable.Repeat(1.0 / Math.Sqrt(objective.Dimension), n).ToArray();
        var hv = new double[n];
        double estimate = 0;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            objective.Evaluate(v, hv);
            if (stop?.Invoke() == true) break;
            for (int k = 0; k < n; k++) hv[k] -= gradientAtOrigin[k];
            double norm = space.Norm(hv);
            if (norm == 0) break;
            for (int k = 0; k < n; k++) v[k] = hv[k] / norm;
            bool settled = Math.Abs(norm - estimate) <= relativeTolerance * norm;
            estimate = norm;
            if (settled) break;
        }
        return estimate;
    }
}
