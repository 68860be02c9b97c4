using System.Globalization;
using MpiDescent.Data;
using MpiDescent.Numerics;
using MpiDescent.Training.Solvers;

namespace MpiDescent.Training.Preparation;

/// <summary>
/// What one rank will need before it reads any data: its slice (from the header alone; a sparse slice's nonzeros
/// estimated from its share of the rows), the solver's vectors, and the sums of a reduction, against the memory the
/// runtime sees (the machine's, or a container's or job's limit) shared by the ranks on the node (MPICH's
/// <c>MPI_LOCALNRANKS</c>, or SLURM's tasks per node). A run that cannot fit ends at once saying how much it needs,
/// instead of after minutes of loading with an out-of-memory error. Softmax's K weight vectors are not known before
/// the labels are read: the estimate takes one, so it is a lower bound there.
/// </summary>
public static class MemoryEstimate
{
    /// <summary>The parts of the estimate, in bytes.</summary>
    public sealed record Parts(long Slice, long SolverVectors, long Sums)
    {
        /// <summary>All parts.</summary>
        public long Total => Slice + SolverVectors + Sums;
    }

    /// <summary>The estimate for a rank holding <paramref name="rows"/> of the file's rows, one of
    /// <paramref name="ranks"/> (which matters when the model is partitioned: the solver's vectors are then slices,
    /// plus one whole θ gathered for each pass over dense rows; over sparse rows the pass's buffers and sums cover
    /// only the features the slice touches, at most its nonzeros).</summary>
    public static Parts For(DataFileHeader header, long rows, TrainingSettings settings, int ranks = 1)
    {
        long d = header.Features, dimension = d + 1;
        double share = header.Rows == 0 ? 0 : rows / (double)header.Rows;
        // label, weight, a row weight or offset; Newton keeps each row's curvature (K of them for softmax), dual
        // coordinate descent its dual variable
        long perRow = 8 + (header.HasWeights ? 8 : 0) + 8 + settings.Solver.Kind switch
        {
            SolverKind.Newton => 8,
            SolverKind.DualCoordinate => 32, // α, ‖x‖², the bound and the diagonal per row
            _ => 0,
        };
        // Cross-validation keeps each fold's training and validation weights per row.
        perRow += settings.Folds * 16;
        // Sparse: an index and a value per entry, and at most another index per entry for each block's distinct
        // features (FeatureMatrix.DistinctFeatures).
        long slice = header.Layout == DataLayout.Sparse
            ? (long)(header.Nonzeros * share) * (8 + header.ElementBytes) + rows * perRow
            : rows * d * header.ElementBytes + rows * perRow;
        int vectors = settings.Solver.Kind switch
        {
            SolverKind.Lbfgs => 2 * 10 + 8,
            SolverKind.Adam => 8,
            SolverKind.Newton => 14,
            SolverKind.Momentum or SolverKind.Nesterov => 7,
            _ => 6,
        };
        bool sparse = header.Layout == DataLayout.Sparse, partitioned = settings.PartitionModel;
        long solver = settings.Solver.Kind == SolverKind.Exact ? dimension * dimension * 8 * 2
            : partitioned ? (vectors * ((dimension + ranks - 1) / ranks) + (sparse ? 0 : dimension)) * 8
            : vectors * dimension * 8;
        long summed = partitioned && sparse ? Math.Min(dimension, (long)(header.Nonzeros * share) + 1) : dimension;
        long perElement = settings.Summation == Summation.Plain ? 8
            : header.Layout == DataLayout.Sparse ? WindowedVectorSum.BytesPerElement + 16
            : ExactVectorSum.LimbsPerValue * 8;
        // Over sparse rows, an owner also combines what the ranks send it: windows and limbs per owned parameter.
        long owned = partitioned && sparse ? (dimension + ranks - 1) / ranks * (4 + 8 * 3 + 8) : 0;
        // A path's or cross-validation's models each have their vectors, sums and pass buffers (and, when they run in
        // lockstep, a point and a gradient exchanged with the batch and a copy of their state saved for checkpoints,
        // which a signal can ask for in any run).
        long models = settings.ModelsTrainedTogether;
        if (models > 1 && settings.Solver.Batchable) solver = 2 * solver + 2 * dimension * 8;
        return new Parts(slice, models * solver, models * (perElement * summed + 3 * summed * 8 + owned));
    }

    /// <summary>Ranks sharing this node, from the launcher's environment (1 when it does not say).</summary>
    public static int RanksOnThisNode()
    {
        foreach (var name in new[] { "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE", "OMPI_COMM_WORLD_LOCAL_SIZE" })
            if (int.TryParse(Environment.GetEnvironmentVariable(name)?.Split('(')[0], NumberStyles.Integer,
                CultureInfo.InvariantCulture, out int n) && n > 0)
                return n;
        return 1;
    }

    /// <summary>Refuses, before any data is read, a rank whose estimate exceeds its share of the available
    /// memory.</summary>
    /// <exception cref="MpiDescentException">It would not fit (exit 1, naming the sizes and what to do).</exception>
    public static void Check(string path, DataFileHeader header, long rows, int rank, int ranks,
        TrainingSettings settings, long? availableBytes = null)
    {
        var parts = For(header, rows, settings, ranks);
        int local = RanksOnThisNode();
        long available = availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long share = Share(availableBytes);
        if (parts.Total <= share) return;
        int models = settings.ModelsTrainedTogether;
        throw new MpiDescentException($"rank {rank} of {ranks} would need about {Gb(parts.Total)} for {path} " +
            $"(its slice {Gb(parts.Slice)}, the solver's vectors {Gb(parts.SolverVectors)}, the sums " +
            $"{Gb(parts.Sums)}" + (models > 1 ? $", for the {models} models of the path and folds trained together"
                : "") + $") but has {Gb(share)} ({Gb(available)} for {local} rank(s) on this node): run " +
            "on more nodes or with more ranks, store the data as float32 (--dtype float32) or sparse (--layout " +
            "sparse), or use --summation plain for a wide model" + (models > 1 ? ", or train fewer penalties or " +
                "folds together" : ""), ExitCodes.InternalError);
    }

    /// <summary>Whether a rank holding <paramref name="rows"/> rows fits its share of the memory.</summary>
    public static bool Fits(DataFileHeader header, long rows, int ranks, TrainingSettings settings,
        long? availableBytes = null) => For(header, rows, settings, ranks).Total <= Share(availableBytes);

    /// <summary>This rank's share of the memory the runtime sees (or of <paramref name="availableBytes"/>).</summary>
    private static long Share(long? availableBytes) =>
        (availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) / Math.Max(RanksOnThisNode(), 1);

    /// <summary>Bytes in GB or MB, for messages.</summary>
    internal static string Gb(long bytes) => bytes >= 1e9
        ? (bytes / 1e9).ToString("G3", CultureInfo.InvariantCulture) + " GB"
        : (bytes / 1e6).ToString("G3", CultureInfo.InvariantCulture) + " MB";
}
