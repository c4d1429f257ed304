using System.Text;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Nar;

/// <summary>Builds awkward file trees in a throwaway directory, deleted on dispose.</summary>
internal sealed class TreeBuilder : IDisposable
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TreeBuilder() => Root = Directory.CreateTempSubdirectory("watcher-nar-it-").FullName;

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

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

    public string File(string relative, string contents, bool executable = false) =>
        File(relative, Encoding.UTF8.GetBytes(contents), executable);

    public string Dir(string relative) => Directory.CreateDirectory(PathOf(relative)).FullName;

    public void Symlink(string relative, string target)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
    }

    /// <summary>Creates an empty file whose name is the given raw bytes, which need not be valid UTF-8.</summary>
    public async Task RawNameFileAsync(string relativeDirectory, byte[] name, CancellationToken cancellationToken)
    {
        string escaped = string.Concat(name.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));
        var result = await ProcessRunner.RunAsync(
            "sh",
            ["-c", "cd \"$1\" && printf 'raw' > \"$(printf '" + escaped + "')\"", "sh", PathOf(relativeDirectory)],
            cancellationToken: cancellationToken);
        result.EnsureSuccess("creating a raw-named file");
    }

    public async Task FifoAsync(string relative, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("mkfifo", [PathOf(relative)], cancellationToken: cancellationToken);
        result.EnsureSuccess("mkfifo");
    }

    /// <summary>Writes <paramref name="size"/> bytes from a seeded generator in 1 MiB chunks, never holding it all.</summary>
    public string LargeFile(string relative, long size, int seed)
    {
        string path = PathOf(relative);
        var random = new Random(seed);
        byte[] chunk = new byte[1024 * 1024];
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (long written = 0; written < size; written += chunk.Length)
        {
            random.NextBytes(chunk);
            stream.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
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

    /// <summary>Deletes with <c>rm</c>: .NET cannot name files whose names are not valid UTF-8.</summary>
    public void Dispose()
    {
        using var rm = System.Diagnostics.Process.Start("rm", ["-rf", Root]);
        rm.WaitForExit();
    }
}
