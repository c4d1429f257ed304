using System.Buffers.Text;
using System.Text.Json;

namespace Watcher.Caches.Attic;

/// <summary>
/// Best-effort reading of an Attic token's <c>exp</c> claim, without verifying it: attic calls tokens
/// opaque to clients (they "might not even be a valid JWT"), so anything unreadable is simply "unknown".
/// </summary>
internal static class AtticJwt
{
    /// <summary>How long before expiry a warning is logged.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(7);

    /// <summary>The <c>exp</c> claim of <paramref name="token"/>, or <see langword="null"/> when it has none or is not a JWT.</summary>
    public static DateTimeOffset? TryGetExpiry(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string[] parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0 || !Base64Url.IsValid(parts[1]))
        {
            return null;
        }

        byte[] payload = new byte[Base64Url.GetMaxDecodedLength(parts[1].Length)];
        if (!Base64Url.TryDecodeFromChars(parts[1], payload, out int written))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(payload.AsMemory(0, written));
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("exp", out JsonElement exp)
                && exp.ValueKind == JsonValueKind.Number
                && exp.TryGetDouble(out double seconds)
                && seconds is > 0 and < 253402300799)
            {
                return DateTimeOffset.FromUnixTimeSeconds((long)seconds);
            }
        }
        catch (JsonException)
        {
            // Not JSON: an opaque token.
        }

        return null;
    }

    /// <summary>A short phrase about the token's expiry for error messages, e.g. "it expired at …".</summary>
    public static string DescribeExpiry(string? token, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token))
        {
            return "no token is configured";
        }

        return TryGetExpiry(token) switch
        {
            null => "the token's expiry is unknown (it is not a JWT with 'exp')",
            { } exp when exp <= now => $"the token expired at {exp:u}",
            { } exp => $"the token is valid until {exp:u}, so the server does not accept it (signed with another server's key, or for another cache?)",
        };
    }
}
