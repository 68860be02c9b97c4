namespace MpiDescent.Numerics;

/// <summary>SplitMix64's finalizer (Steele, Lea and Flood, 2014): a fast bijective mix of 64 bits, the basis of every
/// rank-count-independent pseudo-random choice (row order, validation split).</summary>
public static class SplitMix64
{
    /// <summary>Mixes <paramref name="z"/>.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The generator's next output: advances <paramref name="state"/> by the golden-ratio increment and
    /// mixes it.</summary>
    public static ulong Next(ref ulong state) => Mix(state += 0x9E37_79B9_7F4A_7C15UL);
}
