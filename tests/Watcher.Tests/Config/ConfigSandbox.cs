using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Config;

/// <summary>A throwaway HOME with its own environment, for loading configs without touching the real one.</summary>
internal sealed class ConfigSandbox : IDisposable
{
    public ConfigSandbox()
    {
        Root = Directory.CreateTempSubdirectory("nix-watcher-config-").FullName;
        Home = Path.Combine(Root, "home");
        Directory.CreateDirectory(Home);
        Environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["HOME"] = Home };
    }

    public string Root { get; }

    public string Home { get; }

    public Dictionary<string, string?> Environment { get; }

    /// <summary>Writes a file under <see cref="Root"/> (or at an absolute path) and returns its full path.</summary>
    public string Write(string path, string text)
    {
        string full = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Writes a fresh secret key file and returns its path and text.</summary>
    public (string Path, string Text) WriteSecretKey(string path, string name = "test-1")
    {
        (NixSecretKey key, string text) = NixSecretKey.Generate(name);
        key.Dispose();
        return (Write(path, text + "\n"), text);
    }

    public WatcherOptions Load(string? configPath) => ConfigLoader.Load(configPath, Environment);

    /// <summary>Writes <paramref name="toml"/> to <c>config.toml</c> and loads it explicitly.</summary>
    public WatcherOptions LoadToml(string toml) => Load(Write("config.toml", toml));

    /// <summary>Loads <paramref name="toml"/> expecting failure; returns the message lines.</summary>
    public string[] LoadErrors(string toml)
    {
        var ex = Assert.Throws<ConfigException>(() => LoadToml(toml));
        return ex.Message.Split(System.Environment.NewLine);
    }

    public void Dispose()
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories))
        {
            // Tests make some entries unreadable; restore access so that the tree can be deleted.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(Root, recursive: true);
    }
}
