using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Watcher.IntegrationTests.Fixtures.Attic;

/// <summary>
/// Attic's HS256 JWTs (attic-api.md §3.4): <c>sub</c>, <c>exp</c>, <c>nbf</c> and the claim
/// <c>"https://jwt.attic.rs/v1": {"caches": {"&lt;pattern&gt;": {"r":1,"w":1}}}</c>. Tokens failing verification
/// are ignored, so the request continues anonymously, as atticd does.
/// </summary>
internal static class AtticTestToken
{
    private const string Claim = "https://jwt.attic.rs/v1";

    /// <summary>Makes a token; <paramref name="caches"/> maps a cache pattern to its permission letters, e.g. ("private", "rw").</summary>
    public static string Create(byte[] secret, string subject, DateTimeOffset expiry, params (string Pattern, string Permissions)[] caches)
    {
        var permissions = new JsonObject();
        foreach (var (pattern, letters) in caches)
        {
            var perms = new JsonObject();
            foreach (char letter in letters)
            {
                perms[letter.ToString()] = 1;
            }

            permissions[pattern] = perms;
        }

        var payload = new JsonObject
        {
            ["sub"] = subject,
            ["exp"] = expiry.ToUnixTimeSeconds(),
            ["nbf"] = expiry.AddYears(-5).ToUnixTimeSeconds(),
            [Claim] = new JsonObject { ["caches"] = permissions },
        };
        string header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        string body = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        string signature = Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(header + "." + body)));
        return $"{header}.{body}.{signature}";
    }

    /// <summary>The verified claims of <paramref name="token"/>, or <see langword="null"/> (bad signature, expired, not yet valid, garbage).</summary>
    public static JsonElement? Verify(string token, byte[] secret, DateTimeOffset now)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        byte[] expected = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        byte[] actual;
        try
        {
            actual = Base64Url.DecodeFromChars(parts[2]);
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            var claims = document.RootElement.Clone();
            bool expired = claims.TryGetProperty("exp", out var exp) && exp.GetInt64() <= now.ToUnixTimeSeconds();
            bool early = claims.TryGetProperty("nbf", out var nbf) && nbf.GetInt64() > now.ToUnixTimeSeconds();
            return CryptographicOperations.FixedTimeEquals(expected, actual) && !expired && !early ? claims : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The permissions the claims grant on <paramref name="cache"/>: an exact key first, else the first matching
    /// wildcard pattern in token order (never merged); <see langword="null"/> when nothing matches.
    /// </summary>
    public static HashSet<string>? PermissionsFor(JsonElement? claims, string cache)
    {
        if (claims is not { } c || !c.TryGetProperty(Claim, out var attic) || !attic.TryGetProperty("caches", out var caches))
        {
            return null;
        }

        JsonElement? match = caches.TryGetProperty(cache, out var exact) ? exact : null;
        match ??= caches.EnumerateObject()
            .Where(p => p.Name.Contains('*', StringComparison.Ordinal) && Regex.IsMatch(cache, "^" + Regex.Escape(p.Name).Replace("\\*", ".*", StringComparison.Ordinal) + "$"))
            .Select(p => (JsonElement?)p.Value)
            .FirstOrDefault();
        return match?.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.GetInt32() == 1).Select(p => p.Name).ToHashSet();
    }
}
