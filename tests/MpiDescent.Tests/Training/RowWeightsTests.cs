using MpiDescent.Communication;
using MpiDescent.Data;
using MpiDescent.Losses;

namespace MpiDescent.Tests.Training;

/// <summary>Example weights and the validation split.</summary>
public class RowWeightsTests
{
    private const int D = 3;

    private static DataShard ShardWithWeights(ICommunicator comm, double[] x, double[] y, double[]? weights,
        out RowPartition partition)
    {
        var dir = TestData.TempDirectory();
        var path = Path.Combine(dir, "w.bin");
        using (var writer = new DataFileWriter(path, D, weights: weights is not null))
        {
            for (int i = 0; i < y.Length; i++) writer.WriteRow(x.AsSpan(i * D, D), y[i], weights?[i] ?? 1);
            writer.Complete();
        }
        var header = DataFileHeader.Read(path);
        partition = new RowPartition(header.Rows, comm.Size);
        var (start, end) = partition.RowsOf(comm.Rank);
        return ShardLoader.Load(path, header, start, end, comm.Rank);
    }

    [TestCase(LossKind.Squared)]
    [TestCase(LossKind.Logistic)]
    public void Evaluate_IntegerWeights_EqualDuplicatedRows(LossKind loss)
    {
        var (x, yRaw) = TestData.Synthetic(rows: 200, features: D, seed: 12);
        var y = loss == LossKind.Logistic ? yRaw.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray() : yRaw;
        var weights = Enumerable.Range(0, 200).Select(i => (double)(i % 3)).ToArray(); // 0, 1 or 2 copies
        var xDup = new List<double>();
        var yDup = new List<double>();
        for (int i = 0; i < 200; i++)
            for (int c = 0; c < weights[i]; c++) { xDup.AddRange(x.AsSpan(i * D, D).ToArray()); yDup.Add(y[i]); }
        double[] point = [0.4, -0.3, 0.9, 0.2];
        var settings = new ObjectiveSettings(loss, true, L2: 0.01);
        var weighted = ThreadedCommunicator.Run(3, comm =>
        {
            var shard = ShardWithWeights(comm, x, y, weights, out var partition);
            var objective = new LinearObjective(shard, partition, comm, settings, weights: RowWeights.Build(shard,
                settings, 0, comm));
            var g = new double[4];
            return (objective.Evaluate(point, g), g);
        })[0];
        var comm1 = new SingleProcessCommunicator();
        var (dupShard, dupPartition) = Shards.For(comm1, xDup.ToArray(), yDup.ToArray(), D);
        var duplicated = new LinearObjective(dupShard, dupPartition, comm1, settings);
        var gDup = new double[4];
        double value = duplicated.Evaluate(point, gDup);
        Assert.That(weighted.Item1, Is.EqualTo(value).Within(1e-12).Percent);
        for (int k = 0; k < 4; k++) Assert.That(weighted.g[k], Is.EqualTo(gDup[k]).Within(1e-12 * (1
            + Math.Abs(gDup[k]))));
    }

    [Test]
    public void ValidationLoss_EqualsHeldOutRowsLossComputedDirectly([Values(1, 3)] int ranks)
    {
        var (x, y) = TestData.Synthetic(rows: 1000, features: D, seed: 13);
        double[] point = [0.5, -1, 0.25, 0.1];
        const double fraction = 0.25;
        var held = Enumerable.Range(0, 1000).Where(i => ValidationSplit.IsUnstratifiedRow(i, fraction)).ToArray();
        Assert.That(held.Length, Is.InRange(200, 300), "about a quarter held out");
        double expected = held.Average(i => 0.5 * Math.Pow(x[i * D] * point[0] + x[i * D + 1] * point[1] + x[i * D
            + 2] * point[2] + point[3] - y[i], 2));
        var trainRows = Enumerable.Range(0, 1000).Except(held).ToArray();
        double expectedTrain = trainRows.Average(i => 0.5 * Math.Pow(x[i * D] * point[0] + x[i * D + 1] * point[1]
            + x[i * D + 2] * point[2] + point[3] - y[i], 2));
        var results = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, D);
            var settings = new ObjectiveSettings();
            var weights = RowWeights.Build(shard, settings, fraction, comm)!;
            var objective = new LinearObjective(shard, partition, comm, settings, weights: weights);
            double train = objective.Evaluate(point, new double[4]);
            return (train, objective.ValidationLoss, weights.ValidationRows);
        });
        foreach (var (train, validation, rows) in results)
        {
            Assert.That(rows, Is.EqualTo(held.Length));
            Assert.That(validation, Is.EqualTo(expected).Within(1e-12).Percent);
            Assert.That(train, Is.EqualTo(expectedTrain).Within(1e-12).Percent,
                "held-out rows do not enter the training loss");
        }
    }

    [Test]
    public void Load_NegativeWeight_IsBadInput()
    {
        var comm = new SingleProcessCommunicator();
        var (x, y) = TestData.Synthetic(rows: 10, features: D, seed: 1);
        var weights = Enumerable.Repeat(1.0, 10).ToArray();
        weights[7] = -2;
        var e = Assert.Throws<InputFileException>(() => ShardWithWeights(comm, x, y, weights, out _))!;
        Assert.That(e.Message, Does.Contain("row 8 has the negative weight -2"), "1-based");
    }

    [Test]
    public void Evaluate_ClassWeightsInSettings_EqualWeightedMeanComputedDirectly([Values(1, 3)] int ranks)
    {
        var (x, yRaw) = TestData.Synthetic(rows: 300, features: D, seed: 14);
        var y = yRaw.Select(v => v > 0.5 ? 1.0 : -1.0).ToArray();
        double[] point = [0.7, -0.2, 0.4, 0.05];
        const double negative = 2.5, positive = 0.7, l2 = 0.02;
        double weighted = 0, total = 0;
        for (int i = 0; i < 300; i++)
        {
            double z = x[i * D] * point[0] + x[i * D + 1] * point[1] + x[i * D + 2] * point[2] + point[3];
            double c = y[i] > 0 ? positive : negative;
            weighted += c * Math.Log(1 + Math.Exp(-y[i] * z));
            total += c;
        }
        double expected = weighted / total + 0.5 * l2 * (point[0] * point[0] + point[1] * point[1]
            + point[2] * point[2]);
        var values = ThreadedCommunicator.Run(ranks, comm =>
        {
            var (shard, partition) = Shards.For(comm, x, y, D);
            var objective = new LinearObjective(shard, partition, comm,
                new ObjectiveSettings(LossKind.Logistic, true, l2, NegativeClassWeight: negative,
                    PositiveClassWeight: positive));
            return objective.Evaluate(point, new double[4]);
        });
        foreach (var v in values) Assert.That(v, Is.EqualTo(expected).Within(1e-12).Percent);
    }
}
