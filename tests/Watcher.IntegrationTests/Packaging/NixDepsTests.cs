using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// <c>nix/deps.json</c> proven the way nixpkgs' buildDotnetModule uses it: its setup hook removes every NuGet source
/// but the <c>nugetDeps</c> packages and the SDK's own packs, then restores. Here the app is restored for linux-x64 and
/// linux-arm64 from a local feed holding exactly the deps.json packages (their hashes checked) plus the SDK's packs,
/// with no other source; a package missing from deps.json fails the restore, and one the restores do not use fails too.
/// </summary>
public sealed partial class NixDepsTests : IDisposable
{
    private const string Regenerate =
        "run `eng/update-nix-deps.sh` (offline: `NUGET_SOURCE=~/.nuget/packages eng/update-nix-deps.sh`) and commit nix/deps.json";

    private static readonly string[] Rids = ["linux-x64", "linux-arm64"];

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("nix-deps-");

    public void Dispose() => _root.Delete(recursive: true);

    private sealed record Dep(string Pname, string Version, string Hash)
    {
        public string Key => $"{Pname.ToLowerInvariant()}/{Version}";
    }

    /// <summary>What nixpkgs' .NET SDK ships itself (eng/update-nix-deps.sh leaves the same ids out).</summary>
    [GeneratedRegex(@"^microsoft\.(netcore|aspnetcore)\.app\.(ref|runtime|host|crossgen2)(\..*)?$|^microsoft\.net\.illink\.tasks$|^(runtime\.[^.]+\.)?microsoft\.dotnet\.ilcompiler$")]
    private static partial Regex SdkPack();

    private static string Project => Path.Combine(RepoFiles.Root, "src", "Watcher", "Watcher.csproj");

    private static string GlobalPackages => System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } given
        ? given
        : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static List<Dep> ReadDeps()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoFiles.Root, "nix", "deps.json")));
        return [.. document.RootElement.EnumerateArray().Select(e => new Dep(
            e.GetProperty("pname").GetString()!, e.GetProperty("version").GetString()!, e.GetProperty("hash").GetString()!))];
    }

    [Fact]
    public void DepsJson_MatchesTheLockFile_OfDirectoryPackagesProps()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoFiles.Root, "src", "Watcher", "packages.lock.json")));
        var locked = document.RootElement.GetProperty("dependencies").EnumerateObject()
            .SelectMany(target => target.Value.EnumerateObject())
            .Where(p => p.Value.GetProperty("type").GetString() != "Project" && !SdkPack().IsMatch(p.Name.ToLowerInvariant()))
            .Select(p => $"{p.Name.ToLowerInvariant()}/{p.Value.GetProperty("resolved").GetString()}")
            .ToHashSet(StringComparer.Ordinal);
        var listed = ReadDeps().Select(d => d.Key).ToHashSet(StringComparer.Ordinal);

        var missing = locked.Except(listed).Order(StringComparer.Ordinal).ToList();
        var extra = listed.Except(locked).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"nix/deps.json does not match src/Watcher/packages.lock.json (Directory.Packages.props); missing: {string.Join(", ", missing)}; not used: {string.Join(", ", extra)}. {Regenerate}");
    }

    [Fact]
    public void DepsJson_ListsNoPackTheSdkShips()
    {
        var packs = ReadDeps().Where(d => SdkPack().IsMatch(d.Pname.ToLowerInvariant())).Select(d => d.Key).ToList();

        Assert.True(packs.Count == 0, $"nix/deps.json lists packs nixpkgs' .NET SDK ships itself (its restore hook would collide on them): {string.Join(", ", packs)}. {Regenerate}");
    }

    [Fact]
    public async Task Restore_ForBothRids_FromOnlyTheDepsJsonPackagesAndTheSdksPacks_UsesExactlyThem()
    {
        var ct = TestContext.Current.CancellationToken;
        List<Dep> deps = ReadDeps();
        string work = _root.FullName;

        // The NuGet cache gets what the RID restores need from the usual sources (a no-op once the build has run and
        // the packs are there): the SDK's packs for both RIDs, and whatever Directory.Packages.props now names.
        foreach (string rid in Rids)
        {
            (await RestoreAsync(rid, [], Path.Combine(work, $"warm-{rid}"), packages: null, ct)).EnsureSuccess($"dotnet restore --runtime {rid}");
        }

        string feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
        foreach (Dep dep in deps)
        {
            string nupkg = Path.Combine(GlobalPackages, dep.Pname.ToLowerInvariant(), dep.Version, $"{dep.Pname.ToLowerInvariant()}.{dep.Version}.nupkg");
            Assert.True(File.Exists(nupkg), $"nix/deps.json lists {dep.Pname} {dep.Version}, which no restore of the app fetched. {Regenerate}");
            await using (var stream = File.OpenRead(nupkg))
            {
                string hash = "sha256-" + Convert.ToBase64String(await SHA256.HashDataAsync(stream, ct));
                Assert.True(hash == dep.Hash, $"nix/deps.json: {dep.Pname} {dep.Version} has {dep.Hash}, the .nupkg {hash}. {Regenerate}");
            }

            File.CreateSymbolicLink(Path.Combine(feed, Path.GetFileName(nupkg)), nupkg);
        }

        foreach (string id in Directory.EnumerateDirectories(GlobalPackages).Select(d => Path.GetFileName(d)).Where(id => SdkPack().IsMatch(id)))
        {
            foreach (string nupkg in Directory.EnumerateFiles(Path.Combine(GlobalPackages, id), "*.nupkg", SearchOption.AllDirectories))
            {
                File.CreateSymbolicLink(Path.Combine(feed, Path.GetFileName(nupkg)), nupkg);
            }
        }

        string packages = Path.Combine(work, "packages");
        foreach (string rid in Rids)
        {
            var restore = await RestoreAsync(rid, ["--source", feed], Path.Combine(work, $"obj-{rid}"), packages, ct);
            Assert.True(restore.ExitCode == 0,
                $"the {rid} restore from nix/deps.json alone failed (nixpkgs' build would too):\n{restore.StandardOutput}{restore.StandardError}\n{Regenerate}");
        }

        var used = Directory.EnumerateDirectories(packages)
            .SelectMany(id => Directory.EnumerateDirectories(id).Select(version => $"{Path.GetFileName(id)}/{Path.GetFileName(version)}"))
            .ToHashSet(StringComparer.Ordinal);
        var unused = deps.Select(d => d.Key).Where(key => !used.Contains(key)).ToList();
        Assert.True(unused.Count == 0, $"nix/deps.json lists packages neither RID restore uses: {string.Join(", ", unused)}. {Regenerate}");
    }

    /// <summary>
    /// <c>dotnet restore</c> of the app for <paramref name="rid"/>, with its assets and lock file in <paramref name="obj"/>
    /// (the checkout's obj/ and packages.lock.json stay as the build left them); with a <paramref name="packages"/> folder,
    /// only the sources given and a NuGet.config that clears every other.
    /// </summary>
    private async Task<ProcessResult> RestoreAsync(string rid, string[] sources, string obj, string? packages, CancellationToken ct)
    {
        Directory.CreateDirectory(obj);
        List<string> arguments =
        [
            "restore", Project, "--runtime", rid, "--nologo", "-v", "q",
            "-p:RestoreLockedMode=false", $"-p:NuGetLockFilePath={Path.Combine(obj, "packages.lock.json")}",
            $"-p:MSBuildProjectExtensionsPath={obj}/", $"-p:RestoreOutputPath={obj}/", .. sources,
        ];
        if (packages is not null)
        {
            string config = Path.Combine(_root.FullName, "NuGet.config");
            await File.WriteAllTextAsync(
                config,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources><clear /></packageSources>\n  <fallbackPackageFolders><clear /></fallbackPackageFolders>\n</configuration>\n",
                ct);
            arguments.AddRange(["--packages", packages, "--configfile", config]);
        }

        return await ProcessRunner.RunAsync("dotnet", arguments, timeout: TimeSpan.FromMinutes(10), cancellationToken: ct);
    }
}
