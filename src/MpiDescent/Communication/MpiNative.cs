using System.Runtime.InteropServices;

namespace MpiDescent.Communication;

/// <summary>
/// The MPI functions MpiDescent calls directly, as function pointers into the MPI library, with the handle values of
/// the MPICH ABI (which MS-MPI shares): MPI-3's non-blocking collectives, which MPI.NET 1.4 lacks and the stall
/// watchdog needs (a collective is started, then completed by polling <c>MPI_Test</c>, so a rank that never arrives can
/// be noticed), and the point-to-point calls of the watchdog's side channel. MPI.NET still initializes and finalizes
/// MPI. </summary>
internal static unsafe class MpiNative
{
    public const int CommWorld = 0x44000000;
    public const int RequestNull = 0x2c000000;
    public const int AnySource = -2;
    public const int OpMax = 0x58000001, OpMin = 0x58000002, OpSum = 0x58000003;
    public static readonly void* InPlace = (void*)-1;
    public static readonly void* StatusIgnore = (void*)1;

    public static delegate* unmanaged<void*, void*, int, int, int, int, int*, int> Iallreduce;
    public static delegate* unmanaged<void*, void*, int*, int, int, int, int*, int> IreduceScatter;
    public static delegate* unmanaged<void*, int, int, void*, int*, int*, int, int, int*, int> Iallgatherv;
    public static delegate* unmanaged<void*, int*, int*, int, void*, int*, int*, int, int, int*, int> Ialltoallv;
    public static delegate* unmanaged<void*, int, int, int, int, int*, int> Ibcast;
    public static delegate* unmanaged<int, int*, int> Ibarrier;
    public static delegate* unmanaged<int*, int*, void*, int> Test;
    public static delegate* unmanaged<void*, int, int, int, int, int, int*, int> Isend;
    public static delegate* unmanaged<void*, int, int, int, int, int, int*, int> Irecv;
    public static delegate* unmanaged<int*, int> RequestFree;
    public static delegate* unmanaged<int*, int> Cancel;
    public static delegate* unmanaged<int*, void*, int> Wait;
    public static delegate* unmanaged<int, int*, int> CommDup;
    public static delegate* unmanaged<int*, int> CommFree;
    public static delegate* unmanaged<int, int*, int> CommRank;
    public static delegate* unmanaged<int, int*, int> CommSize;
    public static delegate* unmanaged<int, int, int> Abort;
    public static delegate* unmanaged<int, int*, int*, int*, int*, int> TypeGetEnvelope;
    public static delegate* unmanaged<int*, int> TypeFree;

    /// <summary>MPI_COMBINER_NAMED: a predefined datatype (MPICH and MS-MPI).</summary>
    public const int CombinerNamed = 1;

    /// <summary>Whether <see cref="Load"/> has run.</summary>
    public static bool Loaded { get; private set; }

    /// <summary>Resolves every function from <paramref name="library"/> (the loaded MPI library).</summary>
    /// <exception cref="MpiSetupException">The library lacks an MPI-3 function.</exception>
    public static void Load(IntPtr library)
    {
        IntPtr Get(string name) => NativeLibrary.TryGetExport(library, name, out var f) ? f
            : throw new MpiSetupException($"the MPI library has no {name}: MpiDescent needs an MPI-3 library "
                + "(MPICH 3.0 or later, Intel MPI, MVAPICH2, MS-MPI 10)");
        Iallreduce = (delegate* unmanaged<void*, void*, int, int, int, int, int*, int>)Get("MPI_Iallreduce");
        IreduceScatter = (delegate* unmanaged<void*, void*, int*, int, int, int, int*, int>)Get("MPI_Ireduce_scatter");
        Iallgatherv = (delegate* unmanaged<void*, int, int, void*, int*, int*, int, int, int*,
            int>)Get("MPI_Iallgatherv");
        Ialltoallv = (delegate* unmanaged<void*, int*, int*, int, void*, int*, int*, int, int, int*,
            int>)Get("MPI_Ialltoallv");
        Ibcast = (delegate* unmanaged<void*, int, int, int, int, int*, int>)Get("MPI_Ibcast");
        Ibarrier = (delegate* unmanaged<int, int*, int>)Get("MPI_Ibarrier");
        Test = (delegate* unmanaged<int*, int*, void*, int>)Get("MPI_Test");
        Isend = (delegate* unmanaged<void*, int, int, int, int, int, int*, int>)Get("MPI_Isend");
        Irecv = (delegate* unmanaged<void*, int, int, int, int, int, int*, int>)Get("MPI_Irecv");
        RequestFree = (delegate* unmanaged<int*, int>)Get("MPI_Request_free");
        Cancel = (delegate* unmanaged<int*, int>)Get("MPI_Cancel");
        Wait = (delegate* unmanaged<int*, void*, int>)Get("MPI_Wait");
        CommDup = (delegate* unmanaged<int, int*, int>)Get("MPI_Comm_dup");
        CommFree = (delegate* unmanaged<int*, int>)Get("MPI_Comm_free");
        TypeGetEnvelope = (delegate* unmanaged<int, int*, int*, int*, int*, int>)Get("MPI_Type_get_envelope");
        TypeFree = (delegate* unmanaged<int*, int>)Get("MPI_Type_free");
        CommRank = (delegate* unmanaged<int, int*, int>)Get("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<int, int*, int>)Get("MPI_Comm_size");
        Abort = (delegate* unmanaged<int, int, int>)Get("MPI_Abort");
        Loaded = true;
    }

    /// <summary>The MPI datatype handle of <typeparamref name="T"/>.</summary>
    public static int Datatype<T>() where T : unmanaged =>
        typeof(T) == typeof(double) ? 0x4c00080b
        : typeof(T) == typeof(long) ? 0x4c000809
        : typeof(T) == typeof(int) ? 0x4c000405
        : typeof(T) == typeof(float) ? 0x4c00040a
        : typeof(T) == typeof(ulong) ? 0x4c000819
        : typeof(T) == typeof(byte) ? 0x4c00010d
        : throw new NotSupportedException($"no MPI datatype for {typeof(T).Name}");

    /// <summary>The MPI operation handle of <paramref name="operation"/>.</summary>
    public static int Operation(ReduceOperation operation) => operation switch
    {
        ReduceOperation.Sum => OpSum,
        ReduceOperation.Max => OpMax,
        _ => OpMin,
    };

    /// <summary>Throws unless <paramref name="code"/> is MPI_SUCCESS.</summary>
    public static void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{function} failed with MPI error code {code}");
    }
}
