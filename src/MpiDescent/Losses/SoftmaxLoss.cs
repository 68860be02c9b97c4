using System.Numerics;
using System.Runtime.CompilerServices;

namespace MpiDescent.Losses;

/// <summary>
/// The multinomial logistic loss −z_y + log Σ_k e^(z_k) of K margins per row, computed stably: with the largest margin
/// M, Σ_k e^(z_k − M) ≤ K, all K exponentials at once (<see cref="VectorFunctions"/>, about 1 ulp), summed in class
/// order. Derivatives p_k − [y = k] with p = softmax(z). Labels are the classes 0, …, K − 1.
/// </summary>
public readonly struct SoftmaxLoss : ILoss
{
    private readonly double[] _margins;
    private readonly double[] _exponentials;

    /// <summary>A loss over <paramref name="classes"/> classes (its workspace of one row's margins, padded to whole
    /// vectors, belongs to this instance).</summary>
    public SoftmaxLoss(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Classes = classes;
        int lanes = Vector<double>.Count, padded = (classes + lanes - 1) / lanes * lanes;
        _margins = new double[padded];
        _exponentials = new double[padded];
        _margins.AsSpan(classes).Fill(double.NegativeInfinity); // padding lanes: e^(−∞ − M) = 0
    }

    /// <summary>K.</summary>
    public int Classes { get; }

    /// <inheritdoc />
    public int Outputs => Classes;

    /// <inheritdoc />
    public bool Batched => true;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: a row has K margins (the pass calls <see cref="EvaluateMany"/>).
    /// </exception>
    public (double Value, double Derivative) Evaluate(double z, double y) =>
        throw new NotSupportedException("softmax has K margins per row; use EvaluateMany");

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: a row's second derivatives form the K × K matrix diag(p) − ppᵀ
    /// (see <see cref="SoftmaxCurvatureProduct"/>).</exception>
    public double SecondDerivative(double z, double y) =>
        throw new NotSupportedException("softmax has K margins per row");

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EvaluateMany(ReadOnlySpan<double> z, ReadOnlySpan<double> y, Span<double> values,
        Span<double> derivatives)
    {
        int n = y.Length, lanes = Vector<double>.Count;
        var margins = _margins;
        var e = _exponentials;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0; k < Classes; k++)
            {
                margins[k] = z[k * n + i];
                max = Math.Max(max, margins[k]);
            }
            for (int k = 0; k < margins.Length; k += lanes)
                VectorFunctions.ExpNonPositive(new Vector<double>(margins, k) - new Vector<double>(max)).CopyTo(e, k);
            double sum = 0;
            for (int k = 0; k < Classes; k++) sum += e[k];
            int label = (int)y[i];
            values[i] = max + Math.Log(sum) - margins[label];
            for (int k = 0; k < Classes; k++) derivatives[k * n + i] = e[k] / sum - (k == label ? 1 : 0);
        }
    }
}
