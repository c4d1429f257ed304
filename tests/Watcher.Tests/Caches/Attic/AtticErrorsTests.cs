using System.Net.Http.Headers;
using Watcher.Caches.Attic;
using Watcher.Core;

namespace Watcher.Tests.Caches.Attic;

public sealed class AtticErrorsTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.secret-signature-part";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly AtticErrorContext Context = new("home", "private", new Uri("https://attic.example.org/"), Token, Now);

    [Theory]
    [InlineData(401, "{\"code\":401,\"error\":\"Unauthorized\",\"message\":\"Unauthorized.\"}", "Unauthorized", "token rejected or expired")]
    [InlineData(403, "{\"code\":403,\"error\":\"AccessError\",\"message\":\"Access error: User does not have permission to complete this action.\"}", "Forbidden", "cache 'private'")]
    [InlineData(413, "<html><body>413 Request Entity Too Large</body></html>", "TooLarge", "'upload-endpoint' in [caches.home]")]
    [InlineData(413, "", "TooLarge", "a proxy in front of the attic server limits the request size")]
    [InlineData(400, "{\"code\":400,\"error\":\"RequestError\",\"message\":\"General request error: Bad NAR Hash or Size\"}", "ServerError", "altered in transit")]
    [InlineData(400, "{\"code\":400,\"error\":\"RequestError\",\"message\":\"General request error: Bad chunk hash or size\"}", "ServerError", "not corrupted locally")]
    [InlineData(400, "{\"code\":400,\"error\":\"RequestError\",\"message\":\"General request error: Upload info is too large\"}", "Rejected", "Upload info is too large")]
    [InlineData(404, "{\"code\":404,\"error\":\"NoSuchCache\",\"message\":\"The requested cache does not exist.\"}", "Rejected", "attic cache create private")]
    [InlineData(408, "", "Timeout", "HTTP 408")]
    [InlineData(415, "Expected request with `Content-Type: application/json`", "Rejected", "Content-Type: application/json")]
    [InlineData(422, "Failed to deserialize the JSON body", "Rejected", "HTTP 422")]
    [InlineData(429, "slow down", "Throttled", "slow down")]
    [InlineData(500, "{\"code\":500,\"error\":\"InternalServerError\",\"message\":\"The server encountered an internal error or misconfiguration.\"}", "ServerError", "InternalServerError")]
    [InlineData(502, "<html>Bad Gateway</html>", "ServerError", "Bad Gateway")]
    [InlineData(503, "{\"code\":503,\"error\":\"IncompleteNar\",\"message\":\"missing chunks\"}", "ServerError", "IncompleteNar")]
    [InlineData(524, "", "ServerError", "HTTP 524")]
    public void FromStatus_ClassifiesByStatusCode(int status, string body, string reason, string phrase)
    {
        var ex = AtticErrors.FromStatus(status, body, null, Context);

        Assert.Equal(Enum.Parse<FailureReason>(reason), ex.Reason);
        Assert.Equal(status, ex.StatusCode);
        Assert.Contains(phrase, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromStatus_ServerEchoesTheToken_MessageDoesNotContainIt()
    {
        var ex = AtticErrors.FromStatus(400, $"bad header: Authorization: Bearer {Token}", null, Context);

        Assert.DoesNotContain(Token, ex.Message, StringComparison.Ordinal);
        Assert.Contains("<token>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromStatus_TransientWithRetryAfter_KeepsIt() =>
        Assert.Equal(TimeSpan.FromSeconds(30), AtticErrors.FromStatus(429, null, TimeSpan.FromSeconds(30), Context).RetryAfter);

    [Fact]
    public void FromTransport_ConnectionRefused_IsTransientAndNamesTheServer()
    {
        var ex = AtticErrors.FromTransport(new HttpRequestException("Connection refused (127.0.0.1:1)"), Context);

        Assert.Equal(FailureReason.Connection, ex.Reason);
        Assert.Contains("cannot reach the attic server at https://attic.example.org/", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryAfter_SecondsOrDate_IsADelay()
    {
        Assert.Equal(TimeSpan.FromSeconds(12), AtticErrors.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(12)), Now));
        Assert.Equal(TimeSpan.FromMinutes(2), AtticErrors.RetryAfter(new RetryConditionHeaderValue(Now.AddMinutes(2)), Now));
        Assert.Null(AtticErrors.RetryAfter(null, Now));
    }
}
