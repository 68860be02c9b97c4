using System.Globalization;
using System.Runtime.CompilerServices;

namespace MpiDescent.IO;

/// <summary>
/// Parses numbers from UTF-8 bytes as <c>double.TryParse(text, NumberStyles.Float, InvariantCulture)</c> does, with
/// the same result bit for bit, but faster for the plain decimals text data holds: [sign] digits [. digits]
/// [e [sign] digits] with at most 19 digits whose integer mantissa m is below 2⁵³ and whose decimal
/// exponent e is within ±22 is m · 10^e or m / 10^−e, one correctly rounded operation on exact operands (Clinger's
/// fast path), so it is the correctly rounded value. Everything else goes to the framework's parser.
/// </summary>
public static class Utf8Number
{
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];

    /// <summary>Parses <paramref name="text"/> (no surrounding white space on the fast path; the framework's parser
    /// allows it) as a double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value) =>
        TryParseDecimal(text, out value)
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Parses <paramref name="text"/> as a non-negative int of decimal digits only (no sign, no white
    /// space), as <c>int.TryParse(text, NumberStyles.None, InvariantCulture)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseIndex(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 10) return false;
        long v = 0;
        foreach (byte b in text)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9) return false;
            v = 10 * v + digit;
        }
        if (v > int.MaxValue) return false;
        value = (int)v;
        return true;
    }

    /// <summary>The fast path: false (leaving the text to the framework's parser) for anything outside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParseDecimal(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        int i = 0, n = text.Length;
        bool negative = false;
        if (i < n && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
        ulong mantissa = 0;
        int digits = 0, scale = 0;
        for (; i < n && (uint)(text[i] - '0') <= 9; i++, digits++) mantissa = 10 * mantissa + (uint)(text[i] - '0');
        if (i < n && text[i] == '.')
            for (i++; i < n && (uint)(text[i] - '0') <= 9; i++, digits++, scale--)
                mantissa = 10 * mantissa + (uint)(text[i] - '0');
        if (digits == 0 || digits > 19) return false; // more digits could overflow: the framework's parser takes them
        if (i < n && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            bool negativeExponent = false;
            if (i < n && (text[i] == '-' || text[i] == '+')) negativeExponent = text[i++] == '-';
            int exponent = 0, exponentDigits = 0;
            for (; i < n && (uint)(text[i] - '0') <= 9 && exponentDigits < 4; i++, exponentDigits++)
                exponent = 10 * exponent + (text[i] - '0');
            if (exponentDigits == 0) return false;
            scale += negativeExponent ? -exponent : exponent;
        }
        if (i != n || mantissa > 1UL << 53 || scale < -22 || scale > 22) return false;
        double m = mantissa;
        value = scale >= 0 ? m * PowersOfTen[scale] : m / PowersOfTen[-scale];
        if (negative) value = -value;
        return true;
    }
}
