using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Fixtures.Attic;

/// <summary>The <c>/_api/v1</c> routes: cache-config, get-missing-paths and upload-path.</summary>
internal sealed partial class AtticTestServer
{
    private void MapApi()
    {
        _app.MapGet("/_api/v1/cache-config/{cache}", (HttpContext context, string cache) =>
        {
            if (Authorize(context, cache, "r", out var c) is { } denied)
            {
                return denied;
            }

            var config = new JsonObject
            {
                ["substituter_endpoint"] = $"{Endpoint}{cache}",
                ["api_endpoint"] = (ApiEndpoint ?? Endpoint).ToString(),
                ["public_key"] = c.PublicKey,
                ["is_public"] = c.IsPublic,
                ["store_dir"] = StorePath.DefaultStoreDir,
                ["priority"] = 41,
                ["upstream_cache_key_names"] = new JsonArray([.. c.UpstreamKeyNames.Select(k => JsonValue.Create(k))]),
                ["retention_period"] = "Global",
            };
            return Results.Text(config.ToJsonString(), "application/json");
        });

        _app.MapPost("/_api/v1/get-missing-paths", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            string cache = body!["cache"]!.GetValue<string>();
            if (Authorize(context, cache, "w", out var c) is { } denied)
            {
                return denied;
            }

            var hashes = body["store_path_hashes"]!.AsArray().Select(h => h!.GetValue<string>()).Distinct();
            var missing = new JsonArray([.. hashes.Where(h => !c.Objects.ContainsKey(h)).Select(h => JsonValue.Create(h))]);
            return Results.Text(new JsonObject { ["missing_paths"] = missing }.ToJsonString(), "application/json");
        });

        _app.MapPut("/_api/v1/upload-path", async (HttpContext context) =>
        {
            var request = context.Request;
            string mode;
            JsonNode info;
            if (request.Headers.TryGetValue("X-Attic-Nar-Info-Preamble-Size", out var sizeHeader))
            {
                if (!int.TryParse(sizeHeader, out int size) || size < 0)
                {
                    return Error(400, "RequestError", "General request error: X-Attic-Nar-Info-Preamble-Size must be a valid unsigned integer");
                }

                byte[] preamble = new byte[size];
                try
                {
                    await request.Body.ReadExactlyAsync(preamble, context.RequestAborted);
                }
                catch (EndOfStreamException)
                {
                    return Error(400, "RequestError", "General request error: Upload info doesn't match specified size");
                }

                info = JsonNode.Parse(preamble)!;
                mode = "preamble";
            }
            else if (request.Headers.TryGetValue("X-Attic-Nar-Info", out var header))
            {
                info = JsonNode.Parse(header.ToString())!;
                mode = "header";
            }
            else
            {
                return Error(400, "RequestError", "General request error: X-Attic-Nar-Info must be set");
            }

            var (error, result) = await ReceiveAsync(context, info, request.Body, mode);
            return error ?? Results.Text(result, "application/json");
        });
    }

    /// <summary>Authorises push, streams at most nar_size bytes to a temp file while hashing, checks them, and records the path.</summary>
    /// <returns>An error to answer with, or the <c>UploadPathResult</c> JSON.</returns>
    private async Task<(IResult? Error, string? Result)> ReceiveAsync(HttpContext context, JsonNode info, Stream nar, string mode)
    {
        string cacheName = info["cache"]!.GetValue<string>();
        if (Authorize(context, cacheName, "w", out var cache) is { } denied)
        {
            return (denied, null);
        }

        if (RefuseUploads)
        {
            return (Error(403, "AccessError", "Access error: User does not have permission to complete this action."), null);
        }

        string narHashText = info["nar_hash"]!.GetValue<string>();
        long narSize = info["nar_size"]!.GetValue<long>();
        if (!narHashText.StartsWith("sha256:", StringComparison.Ordinal) || !NixHash.TryParseSha256(narHashText, out byte[]? claimed))
        {
            return (Error(400, "RequestError", "General request error: invalid nar_hash (expected sha256:<hex or nix32>)"), null);
        }

        string temp = Path.Combine(NarDir, ".tmp-" + Guid.NewGuid().ToString("N"));
        long received = 0;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        await using (var file = File.Create(temp))
        {
            byte[] buffer = new byte[1 << 16];
            int read;
            while (received < narSize && (read = await nar.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, narSize - received)), context.RequestAborted)) > 0)
            {
                if (CorruptReceivedNars && received == 0)
                {
                    buffer[0] ^= 0xff;
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                received += read;
            }

            if (received != narSize || !hash.GetHashAndReset().AsSpan().SequenceEqual(claimed))
            {
                file.Close();
                File.Delete(temp);
                return (Error(400, "RequestError", "General request error: Bad NAR Hash or Size"), null);
            }
        }

        string narFile = Path.Combine(NarDir, Convert.ToHexStringLower(claimed) + ".nar");
        bool deduplicated = File.Exists(narFile);
        File.Move(temp, narFile, overwrite: true);
        string hashPart = info["store_path_hash"]!.GetValue<string>();
        cache.Objects[hashPart] = new AtticStoredPath(
            info["store_path"]!.GetValue<string>(),
            [.. info["references"]!.AsArray().Select(r => r!.GetValue<string>())],
            info["deriver"]?.GetValue<string>(),
            [.. info["sigs"]!.AsArray().Select(s => s!.GetValue<string>())],
            info["ca"]?.GetValue<string>(),
            claimed,
            narSize,
            Subjects.LastOrDefault(),
            mode);
        string result = deduplicated
            ? "{\"kind\":\"Deduplicated\",\"frac_deduplicated\":null}"
            : $"{{\"kind\":\"Uploaded\",\"file_size\":{narSize},\"frac_deduplicated\":null}}";
        return (null, result);
    }
}
