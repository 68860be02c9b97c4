using System.Buffers.Binary;
using System.Numerics;

namespace MpiDescent.Data;

/// <summary>
/// Feature hashing (<c>convert --hash-bits B</c>), as Vowpal Wabbit users expect: an input feature is mapped to
/// MurmurHash3_x86_32 (seed 0) of its key, keeping the low B bits. The key of a LIBSVM index is the index as written
/// in the file (1-based unless <c>--zero-based</c>), as a 4-byte little-endian unsigned integer; so files converted
/// separately with the same B share features. Values that land on one feature in a row are added.
/// </summary>
public static class FeatureHash
{
    /// <summary>MurmurHash3_x86_32 of <paramref name="data"/> (Austin Appleby's reference, public domain).</summary>
    public static uint Murmur3(ReadOnlySpan<byte> data, uint seed = 0)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        uint h = seed;
        int blocks = data.Length / 4;
        for (int i = 0; i < blocks; i++)
        {
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(data[(4 * i)..]);
            k *= c1;
            k = BitOperations.RotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        uint tail = 0;
        var rest = data[(4 * blocks)..];
        switch (rest.Length)
        {
            case 3: tail ^= (uint)rest[2] << 16; goto case 2;
            case 2: tail ^= (uint)rest[1] << 8; goto case 1;
            case 1:
                tail ^= rest[0];
                tail *= c1;
                tail = BitOperations.RotateLeft(tail, 15);
                tail *= c2;
                h ^= tail;
                break;
        }
        h ^= (uint)data.Length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>The feature (0 ≤ result &lt; 2^<paramref name="bits"/>) of a CSV column or column=value text: the low
    /// bits of MurmurHash3_x86_32 (seed 0) of its UTF-8 bytes.</summary>
    public static int OfText(string text, int bits) =>
        (int)(Murmur3(System.Text.Encoding.UTF8.GetBytes(text)) & ((1u << bits) - 1));

    /// <summary>Sorts a hashed row's entries by feature and adds the values that share one.</summary>
    internal static void Merge(List<(int Feature, double Value)> entries)
    {
        entries.Sort((a, b) => a.Feature.CompareTo(b.Feature));
        int kept = 0;
        for (int k = 0; k < entries.Count; k++)
        {
            if (kept > 0 && entries[kept - 1].Feature == entries[k].Feature)
                entries[kept - 1] = (entries[k].Feature, entries[kept - 1].Value + entries[k].Value);
            else entries[kept++] = entries[k];
        }
        entries.RemoveRange(kept, entries.Count - kept);
    }

    /// <summary>The feature (0 ≤ result &lt; 2^<paramref name="bits"/>) of LIBSVM index <paramref name="index"/> as
    /// written.</summary>
    public static int OfIndex(int index, int bits)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, (uint)index);
        return (int)(Murmur3(key) & ((1u << bits) - 1));
    }
}
