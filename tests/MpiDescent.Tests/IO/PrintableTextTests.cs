using MpiDescent.IO;
using MpiDescent.Tests.Integration;

namespace MpiDescent.Tests.IO;

/// <summary>Issue 16, point 13: names from files never reach the terminal with control characters in them.</summary>
public class PrintableTextTests
{
    [Test]
    public void Escape_ControlAndBidiCharacters_WrittenAsHexCodes()
    {
        Assert.That(PrintableText.Escape("b\u001b]0;pwn\u0007\u009b\u202e\u007fé"),
            Is.EqualTo("b\\x1B]0;pwn\\x07\\x9B\\u202E\\x7Fé"));
        Assert.That(PrintableText.Escape("two\nlines\r", keepNewlines: true), Is.EqualTo("two\nlines\\x0D"));
        Assert.That(PrintableText.Escape("two\nlines"), Is.EqualTo("two\\x0Alines"));
        const string plain = "price (€), 'a b'";
        Assert.That(PrintableText.Escape(plain), Is.SameAs(plain));
    }

    [Test]
    public void InspectAndConvert_EscapeSequenceInHeader_PrintedEscaped()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var good = Path.Combine(dir, "good.csv");
            File.WriteAllText(good, "a,b\u001b]0;pwn\u0007,y\n1,2,3\n");
            var data = Path.Combine(dir, "d.bin");
            Assert.That(MpiJob.Run(0, "convert", good, data).ExitCode, Is.EqualTo(0));
            var inspect = MpiJob.Run(0, "inspect", data);
            Assert.That(inspect.Output, Does.Contain("names:       a, b\\x1B]0;pwn\\x07"), inspect.ToString());
            var bad = Path.Combine(dir, "bad.csv");
            File.WriteAllText(bad, "a,b\u001b]0;pwn\u0007,y\n1,x,3\n");
            var convert = MpiJob.Run(0, "convert", bad, Path.Combine(dir, "e.bin"));
            Assert.That(convert.ExitCode, Is.EqualTo(ExitCodes.BadInput), convert.ToString());
            Assert.That(convert.Errors, Does.Contain("column 'b\\x1B]0;pwn\\x07'"), convert.ToString());
            Assert.That(inspect.Output + convert.Errors, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
