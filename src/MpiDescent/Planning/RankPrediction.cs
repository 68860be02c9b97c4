namespace MpiDescent.Planning;

/// <summary>What <see cref="ScalingModel"/> predicts for one rank count.</summary>
/// <param name="Ranks">N.</param>
/// <param name="RowsPerRank">The largest slice, rows.</param>
/// <param name="LoadSeconds">Reading and checking the largest slice.</param>
/// <param name="ComputeSeconds">One pass over the largest slice.</param>
/// <param name="CommunicationSeconds">One evaluation's all-reduce.</param>
/// <param name="SpeedUp">The one-rank pass time over this one's (compute and communication).</param>
/// <param name="Efficiency">Speed-up over N.</param>
/// <param name="MemoryBytesPerRank">The estimate of <see cref="Training.Preparation.MemoryEstimate"/>.</param>
/// <param name="Fits">Whether the ranks that share a node fit its memory.</param>
public sealed record RankPrediction(int Ranks, long RowsPerRank, double LoadSeconds, double ComputeSeconds,
    double CommunicationSeconds, double SpeedUp, double Efficiency, long MemoryBytesPerRank, bool Fits)
{
    /// <summary>One evaluation (a pass and its reduction), seconds.</summary>
    public double PassSeconds => ComputeSeconds + CommunicationSeconds;
}
