namespace MpiDescent.Training;

/// <summary>
/// The default learning rate 1/L. For least squares L is the largest eigenvalue of the Hessian X̃ᵀX̃/m; for the other
/// losses L = (bound on ℓ″)·λ_max(X̃ᵀX̃/m)·(largest class weight)·m/W + λ₂ (<see cref="CurvatureBound"/>). λ_max is
/// estimated by power iteration on Hessian-vector products H·v = ∇J(v) − ∇J(0) of a least-squares objective over the same
/// rows (exact for a quadratic).
/// Power iteration approaches L from below, and gradient descent is stable for steps below 2/L.
/// </summary>
public static class StepSizeEstimator
{
    /// <summary>Estimates L (collective: each iteration is one pass over the data).</summary>
    public static double LargestCurvature(IObjective objective, int maxIterations = 50, double relativeTolerance = 1e-3)
    {
        int n = objective.Dimension;
        var origin = new double[n];
        var gradientAtOrigin = new double[n];
        objective.Evaluate(origin, gradientAtOrigin);
        var v = Enumerable.Repeat(1.0 / Math.Sqrt(n), n).ToArray();
        var hv = new double[n];
        double estimate = 0;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            objective.Evaluate(v, hv);
            for (int k = 0; k < n; k++) hv[k] -= gradientAtOrigin[k];
            double norm = VectorMath.Norm(hv);
            if (norm == 0) break;
            for (int k = 0; k < n; k++) v[k] = hv[k] / norm;
            bool settled = Math.Abs(norm - estimate) <= relativeTolerance * norm;
            estimate = norm;
            if (settled) break;
        }
        return estimate;
    }

    /// <summary>A bound on ℓ″(z): 1 (squared), 1/4 (logistic), 2 (squared hinge); 1 for the hinge loss, which has none
    /// (its subgradient method needs a decreasing step or a line search to converge exactly).</summary>
    public static double CurvatureBound(Losses.LossKind loss) => loss switch
    {
        Losses.LossKind.Logistic => 0.25,
        Losses.LossKind.SquaredHinge => 2,
        Losses.LossKind.Softmax => 0.5,
        _ => 1,
    };
}
