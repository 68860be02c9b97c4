using MpiDescent.Communication;

namespace MpiDescent.Tests.Training.Metrics;

/// <summary>The confusion matrix and its per-class metrics against scikit-learn's numbers and a direct count.</summary>
public class ConfusionMatrixTests
{
    // scikit-learn 1.2 (Debian's python3-sklearn): confusion_matrix, precision_recall_fscore_support(zero_division=0),
    // f1_score(average='macro', labels=[0, 1, 2, 3]) and balanced_accuracy_score of these labels; class 3 is predicted
    // twice but never occurs.
    private static readonly int[] Actual = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0, 1, 0];
    private static readonly int[] Predicted = [0, 1, 0, 1, 2, 2, 2, 0, 2, 0, 3, 3];

    [Test]
    public void Compute_SmallCaseAtThreeRanks_AsScikitLearn()
    {
        var matrices = ThreadedCommunicator.Run(3, comm => ConfusionMatrix.Compute(Actual.AsSpan(comm.Rank * 4, 4),
            Predicted.AsSpan(comm.Rank * 4, 4), 4, comm));
        foreach (var m in matrices)
        {
            Assert.That(m.Counts, Is.EqualTo(new long[] { 3, 1, 0, 1, 0, 1, 1, 1, 1, 0, 3, 0, 0, 0, 0, 0 }));
            Assert.That(Enumerable.Range(0, 4).Select(m.Precision), Is.EqualTo(new[] { 0.75, 0.5, 0.75, 0 })
                .Within(1e-15));
            Assert.That(Enumerable.Range(0, 4).Select(m.Recall), Is.EqualTo(new[] { 0.6, 1 / 3.0, 0.75, 0 })
                .Within(1e-15));
            Assert.That(Enumerable.Range(0, 4).Select(m.F1), Is.EqualTo(new[] { 0.6666666666666665, 0.4, 0.75, 0 })
                .Within(1e-15));
            Assert.That(Enumerable.Range(0, 4).Select(k => m.Support(k)), Is.EqualTo(new long[] { 5, 3, 4, 0 }));
            Assert.That(m.BalancedAccuracy, Is.EqualTo(0.5611111111111111).Within(1e-15), "class 3 left out");
            Assert.That(m.MacroF1, Is.EqualTo(0.4541666666666666).Within(1e-15), "class 3 counts 0");
            Assert.That(m.Rows, Is.EqualTo(12));
        }
    }

    [Test]
    public void Compute_UnevenSlicesOneClassPerRank_MatchesDirectCount()
    {
        // Every rank but one holds a single class, as a sorted file split over ranks does; 1:1000 imbalance.
        var random = new Random(5);
        int rows = 3003;
        var actual = Enumerable.Range(0, rows).Select(i => i < 3 ? 1 : 0).Reverse().ToArray();
        var predicted = actual.Select(a => random.NextDouble() < 0.1 ? 1 - a : a).ToArray();
        int[] bounds = [0, 1000, 2000, 3003];
        var matrices = ThreadedCommunicator.Run(3, comm => ConfusionMatrix.Compute(
            actual.AsSpan(bounds[comm.Rank], bounds[comm.Rank + 1] - bounds[comm.Rank]),
            predicted.AsSpan(bounds[comm.Rank], bounds[comm.Rank + 1] - bounds[comm.Rank]), 2, comm));
        long Count(int a, int p) => Enumerable.Range(0, rows).Count(i => actual[i] == a && predicted[i] == p);
        foreach (var m in matrices)
        {
            for (int a = 0; a < 2; a++)
                for (int p = 0; p < 2; p++) Assert.That(m[a, p], Is.EqualTo(Count(a, p)));
            double recall0 = Count(0, 0) / 3000.0, recall1 = Count(1, 1) / 3.0;
            Assert.That(m.BalancedAccuracy, Is.EqualTo((recall0 + recall1) / 2).Within(1e-15));
            Assert.That(m.Recall(1), Is.EqualTo(recall1).Within(1e-15));
        }
    }

    [Test]
    public void Compute_ClassOutOfRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfusionMatrix.Compute([0, 2], [0, 1], 2,
            new SingleProcessCommunicator()));
}
