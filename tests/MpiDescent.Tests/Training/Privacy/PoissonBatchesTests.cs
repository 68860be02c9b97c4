using MpiDescent.Training.Privacy;

namespace MpiDescent.Tests.Training.Privacy;

/// <summary>Poisson batches and the noise of DP-SGD: the same at any split of the rows into rank slices, with the
/// moments the accounting assumes.</summary>
public class PoissonBatchesTests
{
    private const long Rows = 10_000;

    /// <summary>The global rows of every step of <paramref name="epoch"/> when the rows are split into <paramref
    /// name="slices"/> equal slices, each drawn by its own sampler.</summary>
    private static List<long>[] GlobalBatches(int slices, int steps, double rate, int epoch)
    {
        var batches = Enumerable.Range(0, steps).Select(_ => new List<long>()).ToArray();
        for (int s = 0; s < slices; s++)
        {
            long start = Rows * s / slices, end = Rows * (s + 1) / slices;
            var sampler = new PoissonBatches(start, (int)(end - start), steps, rate, seed: 42);
            for (int step = 0; step < steps; step++)
                foreach (int local in sampler.Batch(epoch, step)) batches[step].Add(start + local);
        }
        return batches;
    }

    [Test]
    public void Batch_AnySplitIntoSlices_SameGlobalRows([Values(2, 3, 7)] int slices)
    {
        var whole = GlobalBatches(1, 40, 0.025, epoch: 3);
        var split = GlobalBatches(slices, 40, 0.025, epoch: 3);
        for (int step = 0; step < 40; step++) Assert.That(split[step], Is.EqualTo(whole[step]), $"step {step}");
    }

    [Test]
    public void Batch_SizesAndInclusions_HaveTheBinomialMoments()
    {
        const double q = 0.025;
        const int steps = 40, epochs = 5;
        var sizes = new List<double>();
        var perRow = new int[Rows];
        for (int epoch = 0; epoch < epochs; epoch++)
            foreach (var batch in GlobalBatches(1, steps, q, epoch))
            {
                sizes.Add(batch.Count);
                foreach (long row in batch) perRow[row]++;
            }
        // A batch's size is Binomial(m, q): mean mq = 250, variance mq(1 − q) = 243.75; over 200 batches the mean's
        // standard error is 1.1 and the variance's about 24.
        double mean = sizes.Average(), variance = sizes.Sum(v => (v - mean) * (v - mean)) / (sizes.Count - 1);
        Assert.That(mean, Is.EqualTo(Rows * q).Within(5));
        Assert.That(variance, Is.EqualTo(Rows * q * (1 - q)).Within(100));
        // A row's inclusions over the 200 steps are Binomial(200, q): mean 5, variance 4.875.
        double rowMean = perRow.Average(), rowVariance = perRow.Sum(v => (v - rowMean) * (v - rowMean)) / (Rows - 1);
        Assert.That(rowMean, Is.EqualTo(steps * epochs * q).Within(0.1));
        Assert.That(rowVariance, Is.EqualTo(steps * epochs * q * (1 - q)).Within(0.4));
        // Consecutive steps are independent: the overlap of two batches is about m q².
        var epoch0 = GlobalBatches(1, steps, q, 0);
        double overlap = Enumerable.Range(0, steps - 1).Average(s => epoch0[s].Intersect(epoch0[s + 1]).Count());
        Assert.That(overlap, Is.EqualTo(Rows * q * q).Within(2.5));
    }

    [Test]
    public void Batch_OtherEpochOrSeed_OtherRows()
    {
        var a = new PoissonBatches(0, (int)Rows, 10, 0.1, seed: 1).Batch(0, 0).ToArray();
        var b = new PoissonBatches(0, (int)Rows, 10, 0.1, seed: 1).Batch(1, 0).ToArray();
        var c = new PoissonBatches(0, (int)Rows, 10, 0.1, seed: 2).Batch(0, 0).ToArray();
        Assert.That(a.Intersect(b).Count(), Is.LessThan(a.Length / 3));
        Assert.That(a.Intersect(c).Count(), Is.LessThan(a.Length / 3));
    }

    [Test]
    public void Fill_ManyValues_StandardNormalMomentsAndRepeatable()
    {
        var noise = new GaussianNoise(7);
        var values = new double[200_000];
        noise.Fill(2, 5, 3.0, values);
        double mean = values.Average(), variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        Assert.That(mean, Is.EqualTo(0).Within(4 * 3.0 / Math.Sqrt(values.Length)));
        Assert.That(variance, Is.EqualTo(9).Within(9 * 4 * Math.Sqrt(2.0 / values.Length)));
        double beyondTwo = values.Count(v => Math.Abs(v) > 6) / (double)values.Length; // P(|Z| > 2) = 0.0455
        Assert.That(beyondTwo, Is.EqualTo(0.0455).Within(0.002));
        var again = new double[values.Length];
        noise.Fill(2, 5, 3.0, again);
        Assert.That(again, Is.EqualTo(values));
        noise.Fill(2, 6, 3.0, again);
        Assert.That(again.Zip(values).Count(p => p.First == p.Second), Is.LessThan(5));
    }
}
