using System.Text;

namespace Watcher.Tests.Nar;

/// <summary>A throwaway directory to build file trees in; deleted on dispose.</summary>
internal sealed class TempTree : IDisposable
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TempTree() => Root = Directory.CreateTempSubdirectory("watcher-nar-").FullName;

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string File(string relative, string contents, bool executable = false) =>
        File(relative, Encoding.UTF8.GetBytes(contents), executable);

    public string File(string relative, byte[] contents, bool executable = false)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, contents);
        if (executable)
        {
            SetMode(path, Executable);
        }

        return path;
    }

    public static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("NARs are written on Linux");
        }

        System.IO.File.SetUnixFileMode(path, mode);
    }

    public string Dir(string relative) => Directory.CreateDirectory(PathOf(relative)).FullName;

    public string Symlink(string relative, string target)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
