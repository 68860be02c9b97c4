using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace MpiDescent.Tests.Communication;

/// <summary>Windows (issue 18): the program cross-published from Linux for win-x64 is a 64-bit console executable
/// beside its assemblies, and on Windows MPI.NET's imports go to MS-MPI's <c>msmpi.dll</c> by the loader's own search
/// (the MPICH resolver is installed on other systems only). Nothing here runs on Windows: docs/cluster.md says
/// what is and is not tested.</summary>
public class WindowsPublishTests
{
    private static string _published = "";

    private static string Repository() => TestData.RepositoryRoot;

    [OneTimeSetUp]
    public void Publish()
    {
        _published = TestData.TempDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository(),
        };
        foreach (var a in new[] { "publish", Path.Combine("src", "MpiDescent"), "-c", "Release", "-r", "win-x64",
                     "--self-contained", "false", "-o", _published, "--nologo", "-v", "quiet" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(5)), Is.True, "dotnet publish -r win-x64 finished");
        Assert.That(process.ExitCode, Is.EqualTo(0), $"dotnet publish -r win-x64:\n{output.Result}\n{errors.Result}");
    }

    [OneTimeTearDown]
    public void Remove()
    {
        if (Directory.Exists(_published)) Directory.Delete(_published, true);
    }

    [Test]
    public void Publish_WinX64_A64BitConsoleExecutableForTheRuntime()
    {
        var exe = Path.Combine(_published, "MpiDescent.exe");
        Assert.That(File.Exists(exe), Is.True, "MpiDescent.exe");
        using (var pe = new PEReader(File.OpenRead(exe)))
        {
            Assert.That(pe.PEHeaders.CoffHeader.Machine, Is.EqualTo(Machine.Amd64));
            Assert.That(pe.PEHeaders.PEHeader!.Magic, Is.EqualTo(PEMagic.PE32Plus));
            Assert.That(pe.PEHeaders.PEHeader.Subsystem, Is.EqualTo(Subsystem.WindowsCui), "a console program");
        }
        // The executable starts MpiDescent.dll on the shared runtime it names.
        Assert.That(File.Exists(Path.Combine(_published, "MpiDescent.dll")), Is.True);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published,
            "MpiDescent.runtimeconfig.json")));
        var framework = config.RootElement.GetProperty("runtimeOptions").GetProperty("framework");
        Assert.That(framework.GetProperty("name").GetString(), Is.EqualTo("Microsoft.NETCore.App"));
        Assert.That(framework.GetProperty("version").GetString(), Does.StartWith("10."));
    }

    [Test]
    public void Publish_WinX64_MpiNetImportsOnlyMsMpiWhichWindowsLoadsByName()
    {
        // Every P/Invoke of MPI.NET names msmpi.dll; on Windows MpiRuntime installs no resolver, so the loader finds
        // MS-MPI's msmpi.dll (installed into System32) by that name.
        using var pe = new PEReader(File.OpenRead(Path.Combine(_published, "MPI.dll")));
        var metadata = pe.GetMetadataReader();
        var modules = Enumerable.Range(1, metadata.GetTableRowCount(TableIndex.ModuleRef))
            .Select(row => metadata.GetString(metadata.GetModuleReference(MetadataTokens.ModuleReferenceHandle(row))
                .Name)).ToArray();
        Assert.That(modules, Is.Not.Empty);
        Assert.That(modules.Select(m => m.ToLowerInvariant().Replace(".dll", "")), Is.All.EqualTo("msmpi"),
            string.Join(", ", modules));
        int imports = metadata.MethodDefinitions.Count(h =>
            (metadata.GetMethodDefinition(h).Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0);
        Assert.That(imports, Is.GreaterThan(100), "MPI.NET's MPI functions");
    }

    [Test]
    public void MpiRuntime_Source_InstallsTheMpichResolverAndSignalFixOnlyOffWindows()
    {
        // The part that cannot run here, read from the source: the Linux-only steps sit behind one IsWindows test,
        // and Windows loads msmpi.dll for the collectives MpiDescent calls itself.
        var source = File.ReadAllText(Path.Combine(Repository(), "src", "MpiDescent", "Communication",
            "MpiRuntime.cs"));
        string code = string.Concat(source.Where(c => !char.IsWhiteSpace(c)));
        Assert.That(code,
            Does.Contain("if(!OperatingSystem.IsWindows()){KeepSignalsForTheRuntime();InstallResolver();}"));
        Assert.That(code.Split("InstallResolver();").Length, Is.EqualTo(2), "called in that one place only");
        Assert.That(source, Does.Contain("""OperatingSystem.IsWindows() ? NativeLibrary.Load("msmpi.dll")"""));
    }
}
