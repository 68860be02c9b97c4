using System.Diagnostics;
using MpiDescent.IO;

namespace MpiDescent.Tests.IO;

public class PeakMemoryTests
{
    /// <summary>The kernel's high-water mark read directly is the figure the process API gives (which on Linux reads
    /// the same line, among much else), and it grows when the process touches more memory.</summary>
    [Test]
    public void Bytes_ThisProcess_MatchesTheProcessApiAndGrowsWithTouchedMemory()
    {
        long before = PeakMemory.Bytes();
        using (var process = Process.GetCurrentProcess())
            Assert.That(before, Is.EqualTo(process.PeakWorkingSet64).Within(16 << 20),
                "the process API, moments later");
        var touched = GC.AllocateUninitializedArray<byte>(before > int.MaxValue / 2 ? int.MaxValue / 2 : (int)before);
        for (int i = 0; i < touched.Length; i += 4096) touched[i] = 1;
        Assert.That(PeakMemory.Bytes(), Is.GreaterThan(before + touched.Length / 2), "after touching as much again");
        GC.KeepAlive(touched);
    }
}
