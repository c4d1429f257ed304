using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Watcher.IntegrationTests.Fixtures.Attic;

/// <summary>
/// An in-process Attic server for tests, written from attic-api.md: Bearer/Basic JWT auth with Attic's 401/403
/// JSON errors, cache-config, get-missing-paths, upload-path (header or preamble, NAR hash and size checked while
/// streaming to a temp dir), and the binary-cache
/// side (narinfo signed per request with the cache's key) so real Nix can substitute from <c>{Endpoint}{cache}</c>.
/// A request-size limit on the public port emulates a proxy; <see cref="DirectEndpoint"/> bypasses it, like a LAN address.
/// </summary>
internal sealed partial class AtticTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, AtticTestCache> _caches = new(StringComparer.Ordinal);

    private AtticTestServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        Directory.CreateDirectory(NarDir);
        Secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    }

    /// <summary>The public endpoint (behind the emulated proxy), ending in <c>/</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The <c>api_endpoint</c> the cache config names, when clients are to reach the server through something else (a faulty front).</summary>
    public Uri? ApiEndpoint { get; set; }

    /// <summary>A second port straight to the server, with no request-size limit.</summary>
    public Uri DirectEndpoint { get; private set; } = null!;

    /// <summary>The HS256 secret tokens are signed with.</summary>
    public byte[] Secret { get; }

    /// <summary>When set, requests on the public port with a larger body get a proxy's HTML 413.</summary>
    public long? MaxRequestBodySize { get; set; }

    /// <summary>
    /// Applies <see cref="MaxRequestBodySize"/> to uploads only, as a real limit (Cloudflare's 100 MB) does in practice.
    /// For a daemon: a limit small enough for tiny NARs would also refuse its get-missing-paths once paths that other
    /// tests build at the same time join its round.
    /// </summary>
    public bool LimitUploadsOnly { get; set; }

    /// <summary>When true, the first byte of every received NAR is flipped, as a broken proxy might.</summary>
    public bool CorruptReceivedNars { get; set; }

    /// <summary>
    /// When true, every upload is refused with Attic's 403 AccessError while queries
    /// still work, as a server whose push rule refuses the token would.
    /// </summary>
    public bool RefuseUploads { get; set; }

    /// <summary>Every request as <c>"METHOD /path port"</c>, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The <c>sub</c> of each authenticated request (null for anonymous), in order.</summary>
    public ConcurrentQueue<string?> Subjects { get; } = new();

    public IReadOnlyDictionary<string, AtticTestCache> Caches => _caches;

    private string Root { get; }

    private string NarDir => Path.Combine(Root, "nar");

    /// <summary>How many requests whose line contains <paramref name="fragment"/> arrived.</summary>
    public int CountRequests(string fragment) => Requests.Count(r => r.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Starts the server; <paramref name="port"/> fixes the public port (to come back where a client expects it), 0 picks a free one.</summary>
    public static async Task<AtticTestServer> StartAsync(CancellationToken cancellationToken, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, port);
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var server = new AtticTestServer(app, Directory.CreateTempSubdirectory("attic-test-server-").FullName);
        server.MapRoutes();
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        server.Endpoint = new Uri(addresses[0] + "/");
        server.DirectEndpoint = new Uri(addresses[1] + "/");
        return server;
    }

    public AtticTestCache AddCache(string name, bool isPublic = false, params string[] upstreamKeyNames)
    {
        var cache = new AtticTestCache(name, isPublic, upstreamKeyNames);
        _caches[name] = cache;
        return cache;
    }

    /// <summary>A token signed with this server's secret, valid for <paramref name="validFor"/> (negative: already expired).</summary>
    public string CreateToken(string subject, TimeSpan validFor, params (string Pattern, string Permissions)[] caches) =>
        AtticTestToken.Create(Secret, subject, TimeProvider.System.GetUtcNow() + validFor, caches);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var cache in _caches.Values)
        {
            cache.Dispose();
        }

        Directory.Delete(Root, recursive: true);
    }

    private void MapRoutes()
    {
        _app.Use(async (context, next) =>
        {
            int port = context.Connection.LocalPort;
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path} {port}");
            if (MaxRequestBodySize is { } limit && context.Request.ContentLength > limit && port == Endpoint.Port
                && (!LimitUploadsOnly || context.Request.Path.StartsWithSegments("/_api/v1/upload-path", StringComparison.Ordinal)))
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>\n");
                return;
            }

            await next(context);
        });
        MapApi();
        MapBinaryCache();
    }

    /// <summary>Checks <paramref name="permission"/> (<c>r</c> or <c>w</c>) on a cache: 401 with no permission at all on a private cache, 403 otherwise, 404 for an unknown cache.</summary>
    private IResult? Authorize(HttpContext context, string cacheName, string permission, out AtticTestCache cache)
    {
        _caches.TryGetValue(cacheName, out cache!);
        JsonElement? claims = Authenticate(context.Request);
        Subjects.Enqueue(claims is { } c && c.TryGetProperty("sub", out var sub) ? sub.GetString() : null);
        var granted = AtticTestToken.PermissionsFor(claims, cacheName);
        if (cache is { IsPublic: true })
        {
            (granted ??= []).Add("r");
        }

        if (granted is null)
        {
            return Error(401, "Unauthorized", "Unauthorized.");
        }

        if (cache is null)
        {
            return Error(404, "NoSuchCache", "The requested cache does not exist.");
        }

        return granted.Contains(permission) ? null : Error(403, "AccessError", "Access error: User does not have permission to complete this action.");
    }

    private JsonElement? Authenticate(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        int space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return null;
        }

        string scheme = header[..space];
        string value = header[(space + 1)..].Trim();
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            // Nix sends the token as the netrc password; the user name is ignored.
            string decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));
            value = decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }
        else if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return AtticTestToken.Verify(value, Secret, TimeProvider.System.GetUtcNow());
    }

    private static IResult Error(int code, string kind, string message) =>
        Results.Text(JsonSerializer.Serialize(new Dictionary<string, object> { ["code"] = code, ["error"] = kind, ["message"] = message }), "application/json", statusCode: code);
}
