namespace MpiDescent.Data;

/// <summary>
/// One rank's contiguous slice of a data file in memory: the features in their storage layout
/// (<see cref="FeatureMatrix"/>), the labels, and the example weights when the file has them. Built by
/// <see cref="ShardLoader"/> (from a file) or <see cref="FromArrays(DataFileHeader, long, double[], double[])"/>
/// (tests, benchmarks); changed in place only by the training set-up (labels mapped to −1/+1, features standardized).
/// </summary>
public sealed class DataShard(string path, DataFileHeader header, long rowStart, FeatureMatrix features,
    double[] labels,
    double[]? rowWeights = null)
{
    /// <summary>The data file.</summary>
    public string Path { get; } = path;
    /// <summary>The file's header.</summary>
    public DataFileHeader Header { get; } = header;
    /// <summary>Global index of the first local row.</summary>
    public long RowStart { get; } = rowStart;
    /// <summary>Number of local rows.</summary>
    public int Rows => Labels.Length;
    /// <summary>Features per row.</summary>
    public int FeatureCount => Header.Features;
    /// <summary>The features, in their storage layout.</summary>
    public FeatureMatrix Features { get; } = features;
    /// <summary>How the features are held in memory: as in the file (float64 or float32).</summary>
    public ElementType ElementType => Features.ElementType;
    /// <summary>Labels, one per local row.</summary>
    public double[] Labels { get; } = labels;
    /// <summary>Example weights from the data file, one per local row, or null when the file has none.</summary>
    public double[]? RowWeights { get; } = rowWeights;

    /// <summary>Builds a float64 shard from arrays already in memory (tests, generated data).</summary>
    public static DataShard FromArrays(DataFileHeader header, long rowStart, double[] features, double[] labels) =>
        new("(memory)", header, rowStart, DenseFeatureMatrix<double>.From(features, header.Features), labels);

    /// <summary>Builds a float32 shard from arrays already in memory (tests, benchmarks).</summary>
    public static DataShard FromArrays(DataFileHeader header, long rowStart, float[] features, double[] labels) =>
        new("(memory)", header with { ElementType = ElementType.Float32 }, rowStart,
            DenseFeatureMatrix<float>.From(features, header.Features), labels);
}
