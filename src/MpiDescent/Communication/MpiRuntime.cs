using System.Runtime.InteropServices;

namespace MpiDescent.Communication;

/// <summary>
/// Starts MPI for the program. MPI.NET is built against MS-MPI (<c>msmpi.dll</c>); on Linux its imports are
/// resolved to an MPICH-ABI library (MPICH, Intel MPI, MVAPICH), whose integer handles match MS-MPI's.
/// Open MPI (pointer handles) would crash MPI.NET, so it is refused with a message. Without any launcher
/// the program runs as one rank and does not load MPI at all.
/// </summary>
public sealed class MpiRuntime : IDisposable
{
    /// <summary>MPICH-ABI library names tried in order on Linux.</summary>
    public static readonly string[] LinuxLibraries = ["libmpich.so.12", "libmpi.so.12"];

    private readonly MPI.Environment? _environment;

    private MpiRuntime(ICommunicator communicator, MPI.Environment? environment)
    {
        Communicator = communicator;
        _environment = environment;
    }

    /// <summary>The job's communicator.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>Starts MPI when a launcher started this process, else returns a single-rank runtime.</summary>
    /// <exception cref="MpiSetupException">Open MPI, no MPICH-ABI library, or a world size that disagrees with the
    /// launcher.</exception>
    public static MpiRuntime Start(ref string[] args)
    {
        var launch = LaunchEnvironment.Current;
        if (!launch.UnderLauncher) return new MpiRuntime(new SingleProcessCommunicator(), null);
        if (launch.OpenMpiLauncher)
            throw new MpiSetupException("this process was started by Open MPI's mpiexec/mpirun, which MPI.NET " +
                "cannot use "
                + "(Open MPI's handles are pointers). Use an MPICH-ABI MPI: 'mpiexec.mpich -n N MpiDescent ...' " +
                    "(Debian/Ubuntu package 'mpich').");
        if (!OperatingSystem.IsWindows())
        {
            KeepSignalsForTheRuntime();
            InstallResolver();
        }
        var environment = new MPI.Environment(ref args);
        MpiNative.Load(OperatingSystem.IsWindows() ? NativeLibrary.Load("msmpi.dll") : _library);
        var communicator = new MpiCommunicator();
        var runtime = new MpiRuntime(communicator, environment);
        if (launch.CheckWorldSize(communicator.Size) is string problem)
        {
            runtime.Dispose();
            throw new MpiSetupException(problem);
        }
        return runtime;
    }

    private static IntPtr _library;

    /// <summary>The UCX transport of MPICH installs its own SIGSEGV and SIGBUS handlers in MPI_Init, unless
    /// <c>UCX_ERROR_SIGNALS</c> is empty; the .NET runtime raises NullReferenceException from a SIGSEGV, so under UCX a
    /// managed null dereference became a native abort with a backtrace (exit 134) instead of the agreed error path.
    /// The variable must be in the native environment before MPI_Init: .NET's Environment.SetEnvironmentVariable
    /// changes only the runtime's copy on Linux, so libc's setenv is called (never overriding a value the user
    /// set).</summary>
    private static void KeepSignalsForTheRuntime()
    {
        const string Variable = "UCX_ERROR_SIGNALS";
        if (getenv(Variable) == IntPtr.Zero) _ = setenv(Variable, "", 0);
    }

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    private static void InstallResolver()
    {
        if (_library != IntPtr.Zero) return;
        foreach (var name in LinuxLibraries)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            var version = LibraryVersion(handle);
            if (version.Contains("Open MPI", StringComparison.OrdinalIgnoreCase))
                throw new MpiSetupException($"{name} is Open MPI ({version.Split('\n')[0].Trim()}), which MPI.NET " +
                    $"cannot use; install MPICH (package 'mpich') and launch with mpiexec.mpich");
            _library = handle;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly,
                (lib, _, _) => lib.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? _library : IntPtr.Zero);
            return;
        }
        throw new MpiSetupException($"no MPICH-ABI MPI library found (tried {string.Join(", ", LinuxLibraries)}); " +
            $"install MPICH: 'apt-get install mpich'");
    }

    /// <summary>Calls MPI_Get_library_version (allowed before MPI_Init), or returns "" if the library lacks
    /// it.</summary>
    private static unsafe string LibraryVersion(IntPtr library)
    {
        if (!NativeLibrary.TryGetExport(library, "MPI_Get_library_version", out var export)) return "";
        var buffer = stackalloc byte[8192];
        int length = 0;
        var getVersion = (delegate* unmanaged<byte*, int*, int>)export;
        return getVersion(buffer, &length) == 0 ? System.Text.Encoding.ASCII.GetString(buffer, Math.Clamp(length, 0,
            8192)) : "";
    }

    /// <summary>Finalizes MPI; call only when every rank reaches it (a failed rank aborts instead).</summary>
    public void Dispose()
    {
        (Communicator as IDisposable)?.Dispose();
        if (_environment is not null) FreeMpiNetDatatypes();
        _environment?.Dispose();
    }

    /// <summary>Frees the derived datatypes MPI.NET commits for IntPtr, UIntPtr and decimal (and any struct it was
    /// asked to send) and never frees, which MPICH reports at MPI_Finalize as "yaksa: 3 leaked handle pool objects".
    /// They live in MPI.NET's internal DatatypeCache; predefined datatypes are left alone.</summary>
    private static unsafe void FreeMpiNetDatatypes()
    {
        if (!MpiNative.Loaded) return;
        var field = typeof(MPI.Environment).Assembly.GetType("MPI.DatatypeCache")?.GetField("cache",
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        if (field?.GetValue(null) is not System.Collections.IDictionary cache) return;
        foreach (var value in cache.Values.Cast<object>().ToArray())
        {
            if (value is not int type) continue;
            int integers, addresses, datatypes, combiner;
            if (MpiNative.TypeGetEnvelope(type, &integers, &addresses, &datatypes, &combiner) != 0
                || combiner == MpiNative.CombinerNamed) continue;
            MpiNative.TypeFree(&type);
        }
    }
}
