using MpiDescent.Numerics;

namespace MpiDescent.Training.Privacy;

/// <summary>
/// The noise of DP-SGD: for step (epoch, step), independent N(0, std²) values for every parameter, drawn by the
/// Box-Muller transform from streams keyed by (seed, epoch, step, parameter). Every rank computes the same values
/// without communication, so the noisy update, and the model, are the same on every rank and at any rank count. The
/// seed must stay secret (it is drawn by rank 0 from the operating system's cryptographic generator).
/// </summary>
public sealed class GaussianNoise(ulong seed)
{
    /// <summary>Fills <paramref name="noise"/> with step (<paramref name="epoch"/>, <paramref name="step"/>)'s values
    /// of standard deviation <paramref name="std"/>.</summary>
    public void Fill(int epoch, long step, double std, Span<double> noise)
    {
        ulong key = SplitMix64.Mix(seed ^ SplitMix64.Mix(((ulong)epoch << 40) ^ (ulong)step ^ 0x6A09_E667_F3BC_C909UL));
        for (int k = 0; k < noise.Length; k++)
        {
            ulong state = SplitMix64.Mix(key ^ SplitMix64.Mix((ulong)k + 0xBB67_AE85_84CA_A73BUL));
            double u1 = ((SplitMix64.Next(ref state) >> 11) + 1) * (1.0 / (1UL << 53)); // (0, 1]
            double u2 = (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53));       // [0, 1)
            noise[k] = std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
