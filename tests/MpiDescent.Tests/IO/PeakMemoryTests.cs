using System.Diagnostics;
using MpiDescent.IO;

namespace MpiDescent.Tests.IO;

public class PeakMemoryTests
{
    /// <summary>The kernel's high-water mark read directly is the figure the process API gives (which on Linux reads
    /// the same line, among much else), and after 64 MB more are touched it is at least what the process holds
    /// now.</summary>
    [Test]
    public void Bytes_ThisProcess_MatchesTheProcessApiAndCoversTouchedMemory()
    {
        long peak = PeakMemory.Bytes();
        using (var process = Process.GetCurrentProcess())
            Assert.That(peak, Is.EqualTo(process.PeakWorkingSet64).Within(16 << 20),
                "the process API, moments later");
        var touched = GC.AllocateUninitializedArray<byte>(64 << 20);
        for (int i = 0; i < touched.Length; i += 4096) touched[i] = 1;
        long resident = Environment.WorkingSet;
        Assert.That(resident, Is.GreaterThan(64L << 20), "the touched array is resident");
        Assert.That(PeakMemory.Bytes(), Is.GreaterThanOrEqualTo(resident).And.GreaterThanOrEqualTo(peak));
        GC.KeepAlive(touched);
    }
}
