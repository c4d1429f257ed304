using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Checks the AWS Signature Version 4 of a request against one secret key, for <see cref="S3Front"/>:
/// s3rver checks the access key id but not SigV4 signatures, so a wrong secret would go unnoticed.
/// </summary>
public static partial class SigV4Check
{
    /// <summary>Whether the request's <c>Authorization</c> header is a valid SigV4 signature made with <paramref name="secretKey"/>.</summary>
    public static bool IsValid(HttpRequest request, string secretKey)
    {
        var match = AuthorizationHeader().Match(request.Headers.Authorization.ToString());
        if (!match.Success)
        {
            // Anonymous requests (Nix reading the bucket) are s3rver's business.
            return request.Headers.Authorization.Count == 0;
        }

        string scope = match.Groups["scope"].Value;
        string[] signedHeaders = match.Groups["headers"].Value.Split(';');
        string rawTarget = request.HttpContext.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        int question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? rawTarget : rawTarget[..question];
        string query = question < 0 ? string.Empty : rawTarget[(question + 1)..];
        string canonicalQuery = string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Contains('=', StringComparison.Ordinal) ? p : p + "=")
            .Order(StringComparer.Ordinal));
        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(path).Append('\n')
            .Append(canonicalQuery).Append('\n');
        foreach (string header in signedHeaders)
        {
            string value = header == "host" ? request.Host.Value ?? string.Empty : request.Headers[header].ToString();
            canonical.Append(header).Append(':').Append(Spaces().Replace(value.Trim(), " ")).Append('\n');
        }

        canonical.Append('\n').Append(match.Groups["headers"].Value).Append('\n').Append(request.Headers["x-amz-content-sha256"].ToString());
        string stringToSign = $"AWS4-HMAC-SHA256\n{request.Headers["x-amz-date"]}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (string part in scope.Split('/'))
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        string expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(match.Groups["signature"].Value));
    }

    /// <summary>The S3 error document for a bad signature, as S3 sends it.</summary>
    public const string SignatureDoesNotMatchXml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message></Error>";

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=[^/]+/(?<scope>[^,]+),\s*SignedHeaders=(?<headers>[^,]+),\s*Signature=(?<signature>[0-9a-f]+)$")]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();
}
