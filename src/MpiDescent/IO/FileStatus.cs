using System.Runtime.InteropServices;

namespace MpiDescent.IO;

/// <summary>What kind of object a path names.</summary>
public enum FileKind
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A named pipe (FIFO): opening it for reading blocks until a writer appears.</summary>
    Fifo,
    /// <summary>A character device such as /dev/null or a terminal.</summary>
    CharacterDevice,
    /// <summary>A block device (a disk).</summary>
    BlockDevice,
    /// <summary>A Unix domain socket.</summary>
    Socket,
    /// <summary>Another kind the system reports.</summary>
    Other,
}

/// <summary>
/// The kind and identity (device and inode) of the object a path names, following symbolic links, read without opening
/// it: a FIFO is recognized before an <c>open()</c> that would block. On Linux this is <c>statx(2)</c>, whose layout is
/// the same on every architecture; elsewhere the kind comes from .NET's file APIs and there is no identity.
/// </summary>
public readonly record struct FileStatus(FileKind Kind, ulong Device, ulong Inode)
{
    /// <summary>Whether both statuses name the same existing file (same device and inode; never true without an
    /// identity).</summary>
    public bool SameFileAs(FileStatus other) =>
        Kind != FileKind.Missing && other.Kind != FileKind.Missing && Inode != 0 && Device == other.Device
            && Inode == other.Inode;

    /// <summary>The status of <paramref name="path"/> (symbolic links followed).</summary>
    public static FileStatus Of(string path)
    {
        if (OperatingSystem.IsLinux()) return Linux(path);
        if (Directory.Exists(path)) return new(FileKind.Directory, 0, 0);
        return new(File.Exists(path) ? FileKind.Regular : FileKind.Missing, 0, 0);
    }

    /// <summary>A phrase for messages: "a directory", "a named pipe (FIFO)", ...</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };

    private static unsafe FileStatus Linux(string path)
    {
        const int AtCurrentDirectory = -100, BasicStats = 0x7ff;
        byte* buffer = stackalloc byte[256];
        if (statx(AtCurrentDirectory, path, 0, BasicStats, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            const int NoEntry = 2, NotDirectory = 20;
            if (errno is NoEntry or NotDirectory) return new(FileKind.Missing, 0, 0);
            // Permission problems and the like: let the later open report them in its own words.
            return new(File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Directory
                : FileKind.Missing, 0, 0);
        }
        int mode = *(ushort*)(buffer + 28) & 0xF000;
        ulong inode = *(ulong*)(buffer + 32);
        ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        var kind = mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new(kind, device, inode);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags,
        uint mask, byte* buffer);
}
