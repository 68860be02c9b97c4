using System.Runtime.CompilerServices;
using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;
using MpiDescent.Numerics;

namespace MpiDescent.Training.Objectives;

/// <summary>
/// Per-row weights of one rank's slice: the training weight tᵢ = (weight stored in the data file, else 1) × (class
/// weight of the row's label) × (0 when the row is held out for validation, else 1), and the validation weight vᵢ of
/// held-out rows, chosen by <see cref="ValidationSplit"/> (stratified by class for classification), the same rows at
/// any rank count. The totals W = Σ tᵢ and V = Σ vᵢ over all ranks come from one exact reduction.
/// </summary>
public sealed class RowWeights
{
    private RowWeights(double[] train, double[]? validation, double trainTotal, double validationTotal,
        long validationRows)
    {
        Train = train;
        Validation = validation;
        TrainTotal = trainTotal;
        ValidationTotal = validationTotal;
        ValidationRows = validationRows;
    }

    /// <summary>tᵢ for each local row.</summary>
    public double[] Train { get; }
    /// <summary>vᵢ for each local row, or null without a validation split.</summary>
    public double[]? Validation { get; }
    /// <summary>W = Σ tᵢ over all ranks.</summary>
    public double TrainTotal { get; }
    /// <summary>V = Σ vᵢ over all ranks.</summary>
    public double ValidationTotal { get; }
    /// <summary>Rows held out over all ranks.</summary>
    public long ValidationRows { get; }

    /// <summary>Builds the weights (collective); null when every weight is 1 and nothing is held out (the fast
    /// path).</summary>
    public static RowWeights? Build(DataShard shard, ObjectiveSettings settings, double validationFraction,
        ICommunicator comm)
    {
        if (shard.RowWeights is null && !settings.HasClassWeights && validationFraction <= 0) return null;
        var heldOut = validationFraction > 0
            ? ValidationSplit.HeldOut(shard, ClassesOf(settings), validationFraction, comm) : null;
        return Build(shard, settings, heldOut, comm, () => new UsageException($"--validation-fraction " +
            $"{validationFraction} holds out no rows of weight > 0; use a larger fraction"));
    }

    /// <summary>The weights of one fold of cross-validation: the rows of <paramref name="fold"/> in <paramref
    /// name="folds"/> (each local row's fold, <see cref="ValidationSplit.Folds"/>) held out, the others trained on
    /// (collective).</summary>
    public static RowWeights ForFold(DataShard shard, ObjectiveSettings settings, int[] folds, int fold,
        ICommunicator comm) =>
        Build(shard, settings, folds.Select(f => f == fold).ToArray(), comm, () => new UsageException(
            $"fold {fold + 1} of the cross-validation holds no rows of weight > 0; use fewer folds"));

    /// <summary>The number of classes <see cref="ValidationSplit"/> stratifies by: 2 for the binary losses, K for
    /// softmax, 1 for regression.</summary>
    public static int ClassesOf(ObjectiveSettings settings) =>
        settings.Loss.IsBinary() ? 2 : settings.Loss.IsMultiClass() ? settings.Classes : 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RowWeights Build(DataShard shard, ObjectiveSettings settings, bool[]? heldOutRows,
        ICommunicator comm, Func<Exception> noValidationWeight)
    {
        var train = new double[shard.Rows];
        var validation = heldOutRows is not null ? new double[shard.Rows] : null;
        var sums = new ExactVectorSum(3);
        for (int i = 0; i < shard.Rows; i++)
        {
            double weight = (shard.RowWeights?[i] ?? 1) * settings.ClassWeight(shard.Labels[i]);
            bool heldOut = heldOutRows is not null && heldOutRows[i];
            if (heldOut) validation![i] = weight;
            else train[i] = weight;
            sums.Add(0, train[i]);
            if (heldOut) { sums.Add(1, weight); sums.Add(2, 1); }
        }
        var totals = new double[3];
        sums.Allreduce(comm, totals);
        if (!(totals[0] > 0)) throw new InputFileException(shard.Path,
            "the total training weight is zero (all weights zero, or every row held out)");
        if (validation is not null && !(totals[1] > 0)) throw noValidationWeight();
        return new RowWeights(train, validation, totals[0], totals[1], (long)totals[2]);
    }
}
