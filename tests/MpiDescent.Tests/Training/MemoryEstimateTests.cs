using MpiDescent.Data;
using MpiDescent.Numerics;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.Training;

/// <summary>A run that cannot fit says so before reading data (issue 13: "when a rank cannot hold what the run needs,
/// it says how much memory it would take before reading any data").</summary>
public class MemoryEstimateTests
{
    [Test]
    public void For_DenseAndSparseSlices_CountTheStoredBytes()
    {
        var settings = new TrainingSettings { Solver = SolverCatalog.Get(SolverKind.Lbfgs) };
        var dense = new DataFileHeader(1000, 10, ElementType.Float64, 4096, [], 0);
        Assert.That(MemoryEstimate.For(dense, 500, settings).Slice, Is.EqualTo(500 * 10 * 8 + 500 * 16));
        var sparse = dense with { Layout = DataLayout.Sparse, Nonzeros = 3000, Features = 1 << 20 };
        var parts = MemoryEstimate.For(sparse, 500, settings);
        Assert.That(parts.Slice, Is.EqualTo(1500 * (12 + 4) + 500 * 16), "entries, and each block's distinct features");
        Assert.That(parts.SolverVectors, Is.EqualTo(28L * ((1 << 20) + 1) * 8), "L-BFGS's 10 pairs and workspace");
        Assert.That(parts.Sums, Is.EqualTo((WindowedVectorSum.BytesPerElement + 16 + 24L) * ((1 << 20) + 1)));
    }

    [Test]
    public void For_PathAndFolds_EveryModelsVectorsAndSumsAndEachFoldsRowWeights()
    {
        var single = new TrainingSettings { Solver = SolverCatalog.Get(SolverKind.Lbfgs) };
        var search = single with { Path = new PenaltyPath(PenaltyKind.L2, 1, 0.01, 10), Folds = 5 };
        var header = new DataFileHeader(1000, 10, ElementType.Float64, 4096, [], 0);
        var (one, many) = (MemoryEstimate.For(header, 500, single), MemoryEstimate.For(header, 500, search));
        Assert.That(many.Slice, Is.EqualTo(one.Slice + 500L * 5 * 16), "a training and a validation weight per fold");
        Assert.That(many.SolverVectors, Is.EqualTo(50 * (2 * one.SolverVectors + 2 * 11 * 8)),
            "50 models, each with the point and gradient it exchanges with the batch and its saved state");
        Assert.That(many.Sums, Is.EqualTo(50 * one.Sums));
    }

    /// <summary>A generated 2,000 × 50 data file in <paramref name="dir"/>.</summary>
    private static string Generated(string dir)
    {
        var data = Path.Combine(dir, "d.bin");
        Assert.That(MpiJob.Run(0, "generate", data, "--rows", "2000", "--features", "50").ExitCode, Is.EqualTo(0));
        return data;
    }

    [Test]
    public void Train_NotEnoughMemoryForThePathsModels_EndsBeforeLoadingNamingTheModels()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Generated(dir);
            var model = Path.Combine(dir, "m.json");
            var environment = new Dictionary<string, string> { ["MPIDESCENT_MEMORY_BYTES"] = "3000000" };
            var alone = MpiJob.Run(0, ["train", data, "--model", model, "--max-iterations", "2"], environment);
            Assert.That(alone.ExitCode, Is.EqualTo(0), "one model fits: " + alone);
            var outcome = MpiJob.Run(0, ["train", data, "--model", model, "--l2-path", "1..0.01", "--path-length", "50",
                "--cv", "10"], environment);
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.InternalError), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("for the 500 models of the path and folds trained together")
                .And.Contain("train fewer penalties or folds together"), outcome.ToString());
            Assert.That(outcome.Output, Does.Not.Contain("models ("), "nothing was trained");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Train_NotEnoughMemoryForTheRun_EndsBeforeLoadingNamingTheSizes()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Generated(dir);
            var model = Path.Combine(dir, "m.json");
            var outcome = MpiJob.Run(2, ["train", data, "--model", model],
                new Dictionary<string, string> { ["MPIDESCENT_MEMORY_BYTES"] = "600000" });
            Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.InternalError), outcome.ToString());
            Assert.That(outcome.Errors, Does.Contain("rank 0 of 2 would need about 0.427 MB")
                .And.Contain("its slice 0.416 MB").And.Contain("for 2 rank(s) on this node"), outcome.ToString());
            Assert.That(outcome.Output, Does.Not.Contain("iter "), "nothing was trained");
            Assert.That(File.Exists(model), Is.False);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A wide model whose replicated L-BFGS vectors (about 45 MB per rank at 200,001 parameters) would not fit
    /// a 40 MB share but whose partitioned ones do: the run partitions the model by itself, says so, and writes the
    /// replicated run's model bit for bit.</summary>
    [Test]
    public void Train_ReplicatedVectorsTooLargePartitionedFit_PartitionsAutomaticallyWithTheSameModel()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var data = Path.Combine(dir, "wide.bin");
            Assert.That(MpiJob.Run(0, "generate", data, "--sparse", "--rows", "60", "--features", "200000",
                "--nonzeros-per-row", "20", "--labels", "logistic").ExitCode, Is.EqualTo(0));
            string[] train = ["train", data, "--solver", "lbfgs", "--loss", "logistic", "--l2", "0.01",
                "--max-iterations", "3", "--tolerance", "0"];
            var replicated = MpiJob.Run(2, [.. train, "--model", Path.Combine(dir, "replicated.json")]);
            Assert.That(replicated.ExitCode, Is.EqualTo(0), replicated.ToString());
            Assert.That(replicated.Output, Does.Not.Contain("partitioned"));
            var limited = MpiJob.Run(2, [.. train, "--model", Path.Combine(dir, "partitioned.json")],
                new Dictionary<string, string> { ["MPIDESCENT_MEMORY_BYTES"] = "80000000" });
            Assert.That(limited.ExitCode, Is.EqualTo(0), limited.ToString());
            Assert.That(limited.Output, Does.Contain("would not fit: the model is partitioned across the 2 ranks")
                .And.Contain("model partitioned: each rank owns"), limited.ToString());
            // 200,000 weights: each model keeps them in its weights file, read and checked by ModelFile.Read.
            static double[] Weights(string path) => MpiDescent.Output.ModelFile.Read(path).Weights;
            Assert.That(Weights(Path.Combine(dir, "partitioned.json")),
                Is.EqualTo(Weights(Path.Combine(dir, "replicated.json"))));
        }
        finally { Directory.Delete(dir, true); }
    }
}
