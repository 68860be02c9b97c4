using System.Globalization;
using System.Text;

namespace MpiDescent.IO;

/// <summary>
/// Text from files (column names, paths, cells) made safe to print on a terminal: control characters (C0 other than
/// a newline, DEL, C1) and the Unicode bidirectional overrides are written as <c>\xHH</c> or <c>\uHHHH</c>, so that a
/// crafted header cannot move the cursor, retitle the window or reorder what the user reads.
/// </summary>
public static class PrintableText
{
    /// <summary><paramref name="text"/> with every control character escaped; newlines are kept when
    /// <paramref name="keepNewlines"/> (multi-line messages).</summary>
    public static string Escape(string text, bool keepNewlines = false)
    {
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i], keepNewlines)) i++;
        if (i == text.Length) return text;
        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c, keepNewlines)) escaped.Append(c);
            else if (c <= 0xFF) escaped.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }

    private static bool NeedsEscape(char c, bool keepNewlines) =>
        c < 0x20 ? !(keepNewlines && c == '\n') : c == 0x7F || (c >= 0x80 && c <= 0x9F)
            || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}
