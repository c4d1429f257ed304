namespace Watcher.IntegrationTests.Fixtures;

/// <summary>Lets real Nix substitute from a cache into a fresh store, signatures required.</summary>
public static class NixVerifier
{
    /// <summary>
    /// Copies the closures of <paramref name="paths"/> from <paramref name="cacheUrl"/> into a new chroot
    /// store under <paramref name="storeRoot"/> with <c>require-sigs = true</c> and only <paramref name="publicKey"/> trusted;
    /// <paramref name="netrcFile"/> gives Nix credentials for the cache.
    /// </summary>
    public static Task<ProcessResult> SubstituteAsync(string cacheUrl, string publicKey, string storeRoot, IEnumerable<string> paths, CancellationToken cancellationToken, string? netrcFile = null) =>
        ProcessRunner.RunAsync(
            "nix",
            [
                "copy", "--from", cacheUrl, "--to", storeRoot,
                "--option", "substituters", cacheUrl,
                "--option", "require-sigs", "true",
                "--option", "trusted-public-keys", publicKey,
                "--option", "narinfo-cache-negative-ttl", "0",
                "--option", "narinfo-cache-positive-ttl", "0",
                .. (netrcFile is null ? Array.Empty<string>() : ["--option", "netrc-file", netrcFile]),
                .. paths,
            ],
            new Dictionary<string, string?> { ["NIX_CONFIG"] = "experimental-features = nix-command", ["NIX_REMOTE"] = null },
            cancellationToken: cancellationToken);

    /// <summary>The NAR hash (SRI) that the given store records for a path.</summary>
    public static async Task<string> NarHashAsync(string path, string? store, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            "nix",
            store is null ? ["path-info", "--json", path] : ["path-info", "--json", "--store", store, path],
            new Dictionary<string, string?> { ["NIX_CONFIG"] = "experimental-features = nix-command" },
            cancellationToken: cancellationToken);
        string json = result.EnsureSuccess("nix path-info").StandardOutput;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return SinglePathInfo(doc).GetProperty("narHash").GetString()!;
    }

    /// <summary>The one path's record in <c>nix path-info --json</c>: a list before Nix 2.19, an object keyed by path since.</summary>
    public static System.Text.Json.JsonElement SinglePathInfo(System.Text.Json.JsonDocument document) =>
        document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? document.RootElement[0] : document.RootElement.EnumerateObject().Single().Value;
}
