using System.Buffers.Binary;
using System.Text;

namespace MpiDescent.Data;

/// <summary>
/// The header of a NumPy <c>.npy</c> array (NumPy's <c>numpy.lib.format</c>, versions 1.0, 2.0 and 3.0): the magic
/// <c>\x93NUMPY</c>, the version, the header's length (2 bytes in 1.0, 4 in 2.0 and 3.0, little-endian), and a Python
/// dict literal <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (100, 5), }</c>; the data follow it.
/// </summary>
/// <param name="Type">The element type (<c>descr</c>).</param>
/// <param name="FortranOrder">Whether the array is stored column-major.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="DataOffset">The byte at which the data start, from the start of the array.</param>
public sealed record NpyHeader(NpyElementType Type, bool FortranOrder, long[] Shape, long DataOffset)
{
    /// <summary>The first six bytes of every .npy file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The longest header read (NumPy writes well under 1 KiB; a longer one is damage, not data).</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>The element count, or null when it overflows a long.</summary>
    public long? Elements
    {
        get
        {
            long count = 1;
            try { foreach (long n in Shape) count = checked(count * n); }
            catch (OverflowException) { return null; }
            return count;
        }
    }

    /// <summary>The shape as NumPy prints it: (3,), (3, 4).</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";

    /// <summary>Whether <paramref name="start"/> begins with <see cref="Magic"/>.</summary>
    public static bool StartsWithMagic(ReadOnlySpan<byte> start) => start.StartsWith(Magic);

    /// <summary>Reads the header at the stream's position, leaving the stream at the data.</summary>
    /// <exception cref="FormatException">Not a .npy header, or one this reader does not take (a structured or
    /// object dtype); the message says which.</exception>
    public static NpyHeader Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[12];
        int got = stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false);
        if (got < 10 || !StartsWithMagic(prefix))
            throw new FormatException("is not a NumPy .npy array (it does not start with \\x93NUMPY)");
        byte major = prefix[6], minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new FormatException($"has .npy format version {major}.{minor}; this reader takes 1.0, 2.0 and 3.0");
        long length;
        int prefixLength = 10;
        if (major == 1) length = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
        else
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
                throw new FormatException("ends inside its .npy header");
            length = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
            prefixLength = 12;
        }
        if (length > MaxHeaderBytes)
            throw new FormatException($"has a .npy header of {length} bytes, more than the {MaxHeaderBytes} a real "
                + "one could need");
        var text = new byte[length];
        if (stream.ReadAtLeast(text, text.Length, throwOnEndOfStream: false) < text.Length)
            throw new FormatException("ends inside its .npy header");
        var encoding = major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1;
        string dict;
        try { dict = encoding.GetString(text); }
        catch (DecoderFallbackException) { throw new FormatException("has a .npy header that is not UTF-8"); }
        var (descr, fortran, shape) = new DictParser(dict).Parse();
        return new NpyHeader(NpyElementType.Parse(descr), fortran, shape, prefixLength + length);
    }

    /// <summary>The header's dict literal, in the subset NumPy writes: string keys; string, True/False and tuple of
    /// integers values.</summary>
    private ref struct DictParser(string text)
    {
        private int _at;

        public (string Descr, bool Fortran, long[] Shape) Parse()
        {
            string? descr = null;
            bool? fortran = null;
            long[]? shape = null;
            Expect('{');
            while (!TryTake('}'))
            {
                string key = String();
                Expect(':');
                switch (key)
                {
                    case "descr":
                        if (Peek() == '[')
                            throw new FormatException("holds a structured array (a list of named fields); save "
                                + "each field as an array of its own");
                        descr = String();
                        break;
                    case "fortran_order": fortran = Boolean(); break;
                    case "shape": shape = Tuple(); break;
                    default: throw new FormatException($"has an unknown key '{key}' in its .npy header");
                }
                if (!TryTake(',')) { Expect('}'); break; }
            }
            SkipSpace();
            if (_at != text.Length) throw Malformed("after the closing brace");
            if (descr is null || fortran is null || shape is null)
                throw new FormatException("has a .npy header without "
                    + (descr is null ? "'descr'" : fortran is null ? "'fortran_order'" : "'shape'"));
            return (descr, fortran.Value, shape);
        }

        private string String()
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Malformed("where a quoted string belongs");
            int end = text.IndexOf(quote, _at + 1);
            if (end < 0) throw Malformed("(an unclosed string)");
            var value = text[(_at + 1)..end];
            _at = end + 1;
            return value;
        }

        private bool Boolean()
        {
            SkipSpace();
            if (text.AsSpan(_at).StartsWith("True")) { _at += 4; return true; }
            if (text.AsSpan(_at).StartsWith("False")) { _at += 5; return false; }
            throw Malformed("where True or False belongs");
        }

        private long[] Tuple()
        {
            Expect('(');
            var values = new List<long>();
            while (!TryTake(')'))
            {
                SkipSpace();
                int start = _at;
                while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                if (_at == start || !long.TryParse(text.AsSpan(start, _at - start), out long n))
                    throw Malformed("in the shape (dimensions are non-negative integers)");
                values.Add(n);
                if (!TryTake(',')) { Expect(')'); break; }
            }
            return values.ToArray();
        }

        private char Peek()
        {
            SkipSpace();
            return _at < text.Length ? text[_at] : '\0';
        }

        private bool TryTake(char c)
        {
            if (Peek() != c) return false;
            _at++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryTake(c)) throw Malformed($"where '{c}' belongs");
        }

        private void SkipSpace()
        {
            while (_at < text.Length && text[_at] is ' ' or '\n' or '\t' or '\r') _at++;
        }

        private readonly FormatException Malformed(string where) =>
            new($"has a malformed .npy header: unexpected text at character {_at + 1} {where}");
    }
}
