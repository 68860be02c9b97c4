using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MpiDescent.Data;

/// <summary>
/// A NumPy array's numeric element type, from its <c>descr</c> (<c>'&lt;f8'</c>): the byte order (<c>&lt;</c> little,
/// <c>&gt;</c> big, <c>|</c> not applicable), the kind (<c>b</c> bool, <c>i</c> signed, <c>u</c> unsigned integer,
/// <c>f</c> floating point) and the size in bytes. Values are read as float64: exactly, except integers beyond 2^53
/// in magnitude that float64 cannot hold, which <see cref="Decode"/> reports rather than rounds.
/// </summary>
/// <param name="Kind">b, i, u or f.</param>
/// <param name="Size">Bytes per element: 1 (b, i, u), 2, 4 or 8 (i, u, f).</param>
/// <param name="BigEndian">Whether multi-byte values are stored most significant byte first.</param>
public sealed record NpyElementType(char Kind, int Size, bool BigEndian)
{
    /// <summary>The type of <paramref name="descr"/>.</summary>
    /// <exception cref="FormatException">A type this reader does not take (strings, objects, complex, dates, long
    /// double), with what to do instead.</exception>
    public static NpyElementType Parse(string descr)
    {
        if (descr.Length < 2 || descr[0] is not ('<' or '>' or '|' or '='))
            throw new FormatException($"has an unknown dtype '{descr}'");
        char kind = descr[1];
        bool sized = int.TryParse(descr.AsSpan(2), System.Globalization.NumberStyles.None, null, out int size);
        string? refusal = kind switch
        {
            'U' or 'S' or 'a' => "strings: store class labels as integers 0..K-1 (e.g. with numpy.unique's "
                + "return_inverse)",
            'O' => "Python objects, which are pickled and not read: save the array with a numeric dtype",
            'c' => "complex numbers",
            'M' or 'm' => "dates or time differences: convert them to numbers first",
            'V' => "raw bytes (void)",
            _ => null,
        };
        if (refusal is not null) throw new FormatException($"has dtype '{descr}', which holds {refusal}");
        bool known = sized && (kind switch
        {
            'b' => size == 1,
            'i' or 'u' => size is 1 or 2 or 4 or 8,
            'f' => size is 2 or 4 or 8,
            _ => false,
        });
        if (!known)
            throw new FormatException($"has dtype '{descr}'; this reader takes bool, int8-int64, uint8-uint64 and "
                + "float16-float64" + (kind == 'f' ? " (convert long double with astype(numpy.float64))" : ""));
        return new NpyElementType(kind, size, descr[0] == '>' && size > 1);
    }

    /// <summary>The NumPy name: float64, int32, bool.</summary>
    public string Name => Kind switch
    {
        'b' => "bool",
        'i' => $"int{Size * 8}",
        'u' => $"uint{Size * 8}",
        _ => $"float{Size * 8}",
    } + (BigEndian ? " (big-endian)" : "");

    /// <summary>Converts <paramref name="raw"/> (whole elements) into <paramref name="values"/>.</summary>
    /// <returns>The index of the first 64-bit integer that float64 cannot hold exactly, or −1.</returns>
    public int Decode(ReadOnlySpan<byte> raw, Span<double> values)
    {
        int n = raw.Length / Size;
        if (Kind == 'f' && Size == 8 && !BigEndian)
        {
            MemoryMarshal.Cast<byte, double>(raw[..(n * 8)]).CopyTo(values);
            return -1;
        }
        for (int k = 0; k < n; k++)
        {
            var e = raw.Slice(k * Size, Size);
            switch (Kind, Size)
            {
                case ('b', _): values[k] = e[0] != 0 ? 1 : 0; break;
                case ('i', 1): values[k] = (sbyte)e[0]; break;
                case ('u', 1): values[k] = e[0]; break;
                case ('i', 2):
                    values[k] = BigEndian ? BinaryPrimitives.ReadInt16BigEndian(e)
                        : BinaryPrimitives.ReadInt16LittleEndian(e);
                    break;
                case ('u', 2):
                    values[k] = BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(e)
                        : BinaryPrimitives.ReadUInt16LittleEndian(e);
                    break;
                case ('i', 4):
                    values[k] = BigEndian ? BinaryPrimitives.ReadInt32BigEndian(e)
                        : BinaryPrimitives.ReadInt32LittleEndian(e);
                    break;
                case ('u', 4):
                    values[k] = BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(e)
                        : BinaryPrimitives.ReadUInt32LittleEndian(e);
                    break;
                case ('i', 8):
                    long l = BigEndian ? BinaryPrimitives.ReadInt64BigEndian(e)
                        : BinaryPrimitives.ReadInt64LittleEndian(e);
                    values[k] = l;
                    if (!ConvertedValues.IsExact(l)) return k;
                    break;
                case ('u', 8):
                    ulong u = BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(e)
                        : BinaryPrimitives.ReadUInt64LittleEndian(e);
                    values[k] = u;
                    if (!ConvertedValues.IsExact(u)) return k;
                    break;
                case ('f', 2):
                    values[k] = (double)(BigEndian ? BinaryPrimitives.ReadHalfBigEndian(e)
                        : BinaryPrimitives.ReadHalfLittleEndian(e));
                    break;
                case ('f', 4):
                    values[k] = BigEndian ? BinaryPrimitives.ReadSingleBigEndian(e)
                        : BinaryPrimitives.ReadSingleLittleEndian(e);
                    break;
                default:
                    values[k] = BinaryPrimitives.ReadDoubleBigEndian(e);
                    break;
            }
        }
        return -1;
    }
}
