using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Fixtures.Attic;

/// <summary>The Nix binary-cache side: <c>/{cache}/nix-cache-info</c>, <c>.narinfo</c> signed per request, and NARs.</summary>
internal sealed partial class AtticTestServer
{
    private void MapBinaryCache()
    {
        _app.MapGet("/{cache}/nix-cache-info", (HttpContext context, string cache) =>
            Authorize(context, cache, "r", out _) ?? Results.Text($"WantMassQuery: 1\nStoreDir: {StorePath.DefaultStoreDir}\nPriority: 41\n", "text/x-nix-cache-info"));

        _app.MapMethods("/{cache}/{hash}.narinfo", ["GET", "HEAD"], (HttpContext context, string cache, string hash) =>
        {
            if (Authorize(context, cache, "r", out var c) is { } denied)
            {
                return denied;
            }

            if (!c.Objects.TryGetValue(hash, out var stored))
            {
                return Error(404, "NoSuchObject", "The requested object does not exist.");
            }

            var path = StorePath.Parse(stored.StorePath);
            var narInfo = new NarInfo
            {
                StorePath = path,
                Url = $"nar/{hash}.nar",
                Compression = "none",
                NarHash = stored.NarHash,
                NarSize = stored.NarSize,
                References = [.. stored.References.Select(r => StorePath.FromBaseName(r))],
                Deriver = stored.Deriver is null ? null : StorePath.FromBaseName(stored.Deriver),
                ContentAddress = stored.Ca,
            };

            // Only the server's own signature is served; the uploaded sigs are stored, not served (§2.4).
            narInfo = narInfo with { Signatures = [c.Key.Sign(narInfo.Fingerprint)] };
            return Results.Text(narInfo.ToString(), "text/x-nix-narinfo");
        });

        _app.MapGet("/{cache}/nar/{hash}.nar", (HttpContext context, string cache, string hash) =>
        {
            if (Authorize(context, cache, "r", out var c) is { } denied)
            {
                return denied;
            }

            return c.Objects.TryGetValue(hash, out var stored)
                ? Results.File(Path.Combine(NarDir, Convert.ToHexStringLower(stored.NarHash) + ".nar"), "application/x-nix-nar")
                : Error(404, "NoSuchObject", "The requested object does not exist.");
        });
    }

    /// <summary>
    /// Real Nix copies <paramref name="paths"/> from <paramref name="cache"/> into a fresh store under <paramref name="workDir"/>,
    /// signatures required, authenticating with <paramref name="token"/> through a netrc written there.
    /// </summary>
    public Task<ProcessResult> SubstituteAsync(string cache, string workDir, string token, IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        string netrc = Path.Combine(workDir, "netrc");
        File.WriteAllText(netrc, $"machine {Endpoint.Host} login attic password {token}\n");
        return NixVerifier.SubstituteAsync(
            $"{Endpoint}{cache}", Caches[cache].PublicKey, Path.Combine(workDir, "fresh-store"), paths, cancellationToken, netrc);
    }
}
