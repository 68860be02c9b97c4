using MpiDescent.Communication;
using MpiDescent.Data;

namespace MpiDescent.Tests.Training;

/// <summary>The stratified validation split against a direct global computation.</summary>
public class ValidationSplitTests
{
    /// <summary>Each rank's held-out global rows, gathered; the rows are split at <paramref name="bounds"/>.</summary>
    private static long[] HeldOutRows(double[] labels, int classes, double fraction, int[] bounds)
    {
        int ranks = bounds.Length - 1;
        var parts = ThreadedCommunicator.Run(ranks, comm =>
        {
            int start = bounds[comm.Rank], rows = bounds[comm.Rank + 1] - start;
            var header = new DataFileHeader(labels.Length, 1, ElementType.Float64, 4096, [], 0);
            var shard = DataShard.FromArrays(header, start, new double[rows], labels[start..(start + rows)]);
            var held = ValidationSplit.HeldOut(shard, classes, fraction, comm);
            return Enumerable.Range(0, rows).Where(i => held[i]).Select(i => (long)(start + i)).ToArray();
        });
        return parts.SelectMany(p => p).ToArray();
    }

    /// <summary>Per class, the rows with the round(f·n) smallest hashes (at least one, not all, when n ≥ 2).</summary>
    private static long[] Expected(double[] labels, int classes, double fraction) =>
        Enumerable.Range(0, labels.Length).GroupBy(i => classes == 2 ? (labels[i] > 0 ? 1 : 0) : (int)labels[i])
            .SelectMany(g => g.OrderBy(i => ValidationSplit.Hash(i))
                .Take((int)ValidationSplit.HeldOutOfClass(g.Count(), fraction)))
            .Select(i => (long)i).Order().ToArray();

    [Test]
    public void HeldOut_SortedClassesOnePerRank_ExactCountPerClassAtAnyRankCount()
    {
        // A file sorted by label: every rank but the last holds one class; 1:1000 imbalance in the last class.
        var labels = Enumerable.Range(0, 6003).Select(i => i < 3000 ? 0.0 : i < 6000 ? 1.0 : 2.0).ToArray();
        var expected = Expected(labels, 3, 0.2);
        Assert.That(expected.Count(i => i < 3000), Is.EqualTo(600));
        Assert.That(expected.Count(i => i >= 6000), Is.EqualTo(1), "round(0.6) = 1 of the 3 rows of class 2");
        foreach (var bounds in new[] { new[] { 0, 6003 }, [0, 3000, 6003], [0, 1000, 4000, 6003] })
            Assert.That(HeldOutRows(labels, 3, 0.2, bounds), Is.EqualTo(expected), string.Join(",", bounds));
    }

    [Test]
    public void HeldOut_BinaryMinusOnePlusOneWithSingleRowClass_ClassKeptForTraining()
    {
        var labels = Enumerable.Range(0, 2000).Select(i => i == 1234 ? 1.0 : -1.0).ToArray();
        var held = HeldOutRows(labels, 2, 0.1, [0, 700, 2000]);
        Assert.That(held, Is.EqualTo(Expected(labels, 2, 0.1)));
        Assert.That(held, Has.Length.EqualTo(200).And.No.Member(1234L), "the one positive row stays in training");
    }

    [Test]
    public void HeldOut_Regression_RowsWhoseHashFallsBelowTheFraction()
    {
        var labels = Enumerable.Range(0, 3000).Select(i => i * 0.5).ToArray();
        var held = HeldOutRows(labels, 1, 0.3, [0, 1100, 3000]);
        Assert.That(held, Is.EqualTo(Enumerable.Range(0, 3000).Where(i => ValidationSplit.IsUnstratifiedRow(i, 0.3))
            .Select(i => (long)i)));
        Assert.That(held.Length, Is.InRange(800, 1000));
    }

    /// <summary>Every row's fold, gathered in row order; the rows are split at <paramref name="bounds"/>.</summary>
    private static int[] FoldsOfRows(double[] labels, int classes, int folds, int[] bounds) =>
        ThreadedCommunicator.Run(bounds.Length - 1, comm =>
        {
            int start = bounds[comm.Rank], rows = bounds[comm.Rank + 1] - start;
            var header = new DataFileHeader(labels.Length, 1, ElementType.Float64, 4096, [], 0);
            var shard = DataShard.FromArrays(header, start, new double[rows], labels[start..(start + rows)]);
            return ValidationSplit.Folds(shard, classes, folds, comm);
        }).SelectMany(f => f).ToArray();

    [Test]
    public void Folds_SortedClassesOnePerRank_EachClassSplitByHashRankInExactShares()
    {
        // Of each class's n rows, fold f holds the rows whose hash ranks in [round(f·n/F), round((f+1)·n/F)).
        var labels = Enumerable.Range(0, 5007).Select(i => i < 3000 ? 0.0 : i < 5000 ? 1.0 : 2.0).ToArray();
        const int folds = 4;
        var expected = new int[labels.Length];
        foreach (var group in Enumerable.Range(0, labels.Length).GroupBy(i => (int)labels[i]))
        {
            var ranked = group.OrderBy(i => ValidationSplit.Hash(i)).ToArray();
            for (int r = 0; r < ranked.Length; r++)
                expected[ranked[r]] = Enumerable.Range(1, folds - 1)
                    .Count(j => r >= Math.Round((double)j * ranked.Length / folds, MidpointRounding.AwayFromZero));
        }
        Assert.That(Enumerable.Range(0, folds).Select(f => expected.Where((e, i) => labels[i] == 2 && e == f).Count()),
            Is.EqualTo(new[] { 2, 2, 1, 2 }), "7 rows: cuts at round(1.75) = 2, round(3.5) = 4, round(5.25) = 5");
        foreach (var bounds in new[] { new[] { 0, 5007 }, [0, 3000, 5007], [0, 1000, 4000, 4500, 5007] })
            Assert.That(FoldsOfRows(labels, 3, folds, bounds), Is.EqualTo(expected), string.Join(",", bounds));
    }

    [Test]
    public void Folds_Regression_FoldOfTheRowHash()
    {
        var labels = Enumerable.Range(0, 3000).Select(i => i * 0.5).ToArray();
        var folds = FoldsOfRows(labels, 1, 5, [0, 1234, 3000]);
        Assert.That(folds, Is.EqualTo(Enumerable.Range(0, 3000)
            .Select(i => (int)Math.Floor(ValidationSplit.Hash(i) * 5.0 / (1UL << 53)))));
        foreach (var count in Enumerable.Range(0, 5).Select(f => folds.Count(x => x == f)))
            Assert.That(count, Is.InRange(520, 680));
    }

    [TestCase(1, 0.5, 0)]
    [TestCase(2, 0.01, 1)]
    [TestCase(2, 0.99, 1)]
    [TestCase(1000, 0.2, 200)]
    [TestCase(1000, 0.0, 0)]
    public void HeldOutOfClass_Counts_RoundedAndClamped(long rows, double fraction, long expected) =>
        Assert.That(ValidationSplit.HeldOutOfClass(rows, fraction), Is.EqualTo(expected));
}
