using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Nar;

/// <summary>A large real tree: the .NET SDK this test runs on, added to the Nix store once per test run.</summary>
internal static class DotnetSdk
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _storePath;

    /// <summary>The SDK's <c>sdk/</c> folder, found from the <c>dotnet</c> executable the way a shell would.</summary>
    public static string Directory
    {
        get
        {
            string dotnet = Environment.GetEnvironmentVariable("PATH")!.Split(':')
                .Select(dir => Path.Combine(dir, "dotnet"))
                .First(File.Exists);
            string root = Path.GetDirectoryName(new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet)!;
            return Path.Combine(root, "sdk");
        }
    }

    public static async Task<string> StorePathAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return _storePath ??= await NixFixture.AddToStoreAsync(Directory, cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The narHash (<c>sha256:nix32</c>) and narSize the store database holds for <paramref name="storePath"/>.</summary>
    public static async Task<(string NarHash, long NarSize)> DatabaseNarAsync(string storePath, CancellationToken cancellationToken)
    {
        var hash = await ProcessRunner.RunAsync("nix-store", ["--query", "--hash", storePath], cancellationToken: cancellationToken);
        var size = await ProcessRunner.RunAsync("nix-store", ["--query", "--size", storePath], cancellationToken: cancellationToken);
        return (
            hash.EnsureSuccess("nix-store --query --hash").StandardOutput.Trim(),
            long.Parse(size.EnsureSuccess("nix-store --query --size").StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
