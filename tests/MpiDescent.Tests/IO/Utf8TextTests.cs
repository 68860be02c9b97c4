using System.Globalization;
using System.Text;
using MpiDescent.IO;

namespace MpiDescent.Tests.IO;

[TestFixture]
public class Utf8TextTests
{
    [Test]
    public void TryParseDouble_RandomDecimals_SameBitsAsFrameworkParser()
    {
        var random = new Random(7);
        var c = CultureInfo.InvariantCulture;
        for (int k = 0; k < 200_000; k++)
        {
            double x = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30));
            string text = (k % 4) switch
            {
                0 => x.ToString("R", c),
                1 => x.ToString("G" + random.Next(1, 18), c),
                2 => x.ToString("F" + random.Next(0, 12), c),
                _ => x.ToString("E" + random.Next(0, 16), c),
            };
            Assert.That(Utf8Number.TryParseDouble(Encoding.UTF8.GetBytes(text), out double fast), Is.True, text);
            double reference = double.Parse(text, NumberStyles.Float, c);
            Assert.That(BitConverter.DoubleToInt64Bits(fast), Is.EqualTo(BitConverter.DoubleToInt64Bits(reference)),
                text);
        }
    }

    [TestCase("-0"), TestCase("1."), TestCase(".5"), TestCase("+7"), TestCase(" 3 "), TestCase("1e-400"),
     TestCase("9007199254740993"), TestCase("123456789012345678901234"), TestCase("1e22"), TestCase("1e23"),
     TestCase("NaN"), TestCase("-Infinity"), TestCase("4.9e-324")]
    public void TryParseDouble_EdgeCases_SameAsFrameworkParser(string text)
    {
        bool expected = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double reference);
        Assert.That(Utf8Number.TryParseDouble(Encoding.UTF8.GetBytes(text), out double value), Is.EqualTo(expected));
        Assert.That(BitConverter.DoubleToInt64Bits(value), Is.EqualTo(BitConverter.DoubleToInt64Bits(reference)));
    }

    [TestCase("."), TestCase("e5"), TestCase("1e"), TestCase("1x"), TestCase(""), TestCase("--1")]
    public void TryParseDouble_NotANumber_False(string text) =>
        Assert.That(Utf8Number.TryParseDouble(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase("0", 0), TestCase("2147483647", int.MaxValue), TestCase("2147483648", -1), TestCase("-1", -1),
     TestCase("12a", -1), TestCase("", -1), TestCase("00000000001", -1)]
    public void TryParseIndex_Text_AsIntParseWithoutSign(string text, int expected)
    {
        bool ok = Utf8Number.TryParseIndex(Encoding.UTF8.GetBytes(text), out int value);
        Assert.That(ok ? value : -1, Is.EqualTo(expected));
    }

    [Test]
    public void TryReadLine_CrlfBomLongAndUnterminatedLines_ReturnsEachLine()
    {
        string path = Path.Combine(TestData.TempDirectory(), "lines.txt");
        string longLine = new('x', 3 << 20);
        File.WriteAllBytes(path, [.. "\uFEFF"u8, .. Encoding.UTF8.GetBytes($"a\r\n\nb é\n{longLine}\nlast")]);
        Assert.That(Lines(path), Is.EqualTo(new[] { "a", "", "b é", longLine, "last" }));
    }

    [Test]
    public void TryReadLine_Utf16WithByteOrderMark_TranscodesToUtf8()
    {
        string path = Path.Combine(TestData.TempDirectory(), "lines16.txt");
        File.WriteAllText(path, "x,y\r\n1,é\r\n", Encoding.Unicode);
        Assert.That(Lines(path), Is.EqualTo(new[] { "x,y", "1,é" }));
    }

    private static List<string> Lines(string path)
    {
        var lines = new List<string>();
        using var reader = new Utf8LineReader(path);
        while (reader.TryReadLine(out var line))
        {
            lines.Add(Encoding.UTF8.GetString(line));
            Assert.That(reader.LineNumber, Is.EqualTo(lines.Count));
        }
        return lines;
    }
}
