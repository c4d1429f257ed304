using System.Security.Cryptography;
using System.Text;
using Watcher.Caches.Files;
using Watcher.Maintenance;
using Watcher.Nix;

namespace Watcher.Tests.Maintenance;

/// <summary>
/// A file cache in a temporary directory, filled by hand: uncompressed NARs of made-up bytes and signed narinfos, each
/// with the mtime a test gives it. <see cref="Objects"/> reads it through the real <see cref="FileCacheObjects"/>.
/// </summary>
internal sealed class TestCacheDir : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, StorePath> _paths = new(StringComparer.Ordinal);

    public TestCacheDir()
    {
        Root = Directory.CreateTempSubdirectory("watcher-maint-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "nar"));
        File.WriteAllText(Path.Combine(Root, "nix-cache-info"), "StoreDir: /nix/store\n");
        (Key, string keyText) = NixSecretKey.Generate("test-cache-1");
        KeyFile = Path.Combine(Directory.CreateTempSubdirectory("watcher-maint-key-").FullName, "signing.key");
        File.WriteAllText(KeyFile, keyText);
        Time = new ArmedTimeProvider(Now);
        Objects = new FileCacheObjects("test", Root, Time);
    }

    public string Root { get; }

    public NixSecretKey Key { get; }

    /// <summary><see cref="Key"/> in a file of its own (outside the cache), as <c>signing-key-file</c> names it.</summary>
    public string KeyFile { get; }

    public ArmedTimeProvider Time { get; }

    public FileCacheObjects Objects { get; }

    /// <summary>The made-up store path for <paramref name="name"/>: its hash part is derived from the name.</summary>
    public StorePath PathOf(string name)
    {
        if (!_paths.TryGetValue(name, out var path))
        {
            string hash = Nix32.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 20));
            _paths[name] = path = StorePath.FromBaseName($"{hash}-{name}");
        }

        return path;
    }

    public string NarInfoFile(string name) => Path.Combine(Root, PathOf(name).HashPart + ".narinfo");

    /// <summary>Adds a path with a NAR and a signed narinfo, both modified <paramref name="age"/> before <see cref="Now"/>.</summary>
    public NarInfo Add(string name, TimeSpan age, params string[] references)
    {
        byte[] nar = Encoding.UTF8.GetBytes($"nar of {name}\n");
        byte[] hash = SHA256.HashData(nar);
        string url = $"nar/{Nix32.Encode(hash)}.nar";
        var info = new NarInfo
        {
            StorePath = PathOf(name),
            Url = url,
            Compression = "none",
            FileHash = hash,
            FileSize = nar.Length,
            NarHash = hash,
            NarSize = nar.Length,
            References = [.. references.Select(PathOf)],
        }.SignedWith(Key);
        Write(url, nar, age);
        Write(PathOf(name).HashPart + ".narinfo", Encoding.UTF8.GetBytes(info.ToString()), age);
        return info;
    }

    /// <summary>Writes an object with its mtime <paramref name="age"/> before <see cref="Now"/>.</summary>
    public void Write(string key, byte[] bytes, TimeSpan age)
    {
        string file = Path.Combine(Root, key);
        File.WriteAllBytes(file, bytes);
        Age(key, age);
    }

    public void Age(string key, TimeSpan age) => File.SetLastWriteTimeUtc(Path.Combine(Root, key), (Now - age).UtcDateTime);

    public bool Exists(string key) => File.Exists(Path.Combine(Root, key));

    public async Task<CacheIndex> ScanAsync(List<CacheProblem>? problems = null) =>
        await new CacheScanner(Objects, StorePath.DefaultStoreDir, null).ScanAsync(problems ?? [], TestContext.Current.CancellationToken);

    /// <summary>Lists the cache and runs the verifier's checks, as <c>verify</c> does without <c>--deep</c>.</summary>
    public async Task<(CacheIndex Index, List<CacheProblem> Problems)> VerifyAsync()
    {
        var problems = new List<CacheProblem>();
        var index = await ScanAsync(problems);
        problems.AddRange(await new CacheVerifier(Objects, Key.PublicKey).CheckAsync(index, TestContext.Current.CancellationToken));
        return (index, problems);
    }

    public void Dispose()
    {
        Key.Dispose();
        Objects.Dispose();
        Directory.Delete(Root, recursive: true);
        Directory.Delete(Path.GetDirectoryName(KeyFile)!, recursive: true);
    }
}
