using System.Buffers.Text;
using System.Text;
using Watcher.Caches.Attic;

namespace Watcher.Tests.Caches.Attic;

public sealed class AtticJwtTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryGetExpiry_JwtWithExp_ReturnsIt() =>
        Assert.Equal(Now.AddDays(3), AtticJwt.TryGetExpiry(Jwt($"{{\"sub\":\"x\",\"exp\":{Now.AddDays(3).ToUnixTimeSeconds()}}}")));

    [Theory]
    [InlineData("{\"sub\":\"x\"}")]
    [InlineData("{\"exp\":\"soon\"}")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    public void TryGetExpiry_PayloadWithoutNumericExp_IsUnknown(string payload) => Assert.Null(AtticJwt.TryGetExpiry(Jwt(payload)));

    [Theory]
    [InlineData("")]
    [InlineData("opaque-token")]
    [InlineData("a.b")]
    [InlineData("a.!!!.c")]
    public void TryGetExpiry_NotAJwt_IsUnknown(string token) => Assert.Null(AtticJwt.TryGetExpiry(token));

    [Fact]
    public void DescribeExpiry_Expired_SaysWhen() =>
        Assert.Equal("the token expired at 2026-05-31 12:00:00Z", AtticJwt.DescribeExpiry(Jwt($"{{\"exp\":{Now.AddDays(-1).ToUnixTimeSeconds()}}}"), Now));

    [Fact]
    public void DescribeExpiry_StillValid_SuggestsAnotherKey() =>
        Assert.Contains("another server's key", AtticJwt.DescribeExpiry(Jwt($"{{\"exp\":{Now.AddDays(1).ToUnixTimeSeconds()}}}"), Now), StringComparison.Ordinal);

    [Fact]
    public void DescribeExpiry_NoToken_SaysSo() => Assert.Equal("no token is configured", AtticJwt.DescribeExpiry(null, Now));

    private static string Jwt(string payload) =>
        $"{Base64Url.EncodeToString("{\"alg\":\"HS256\"}"u8)}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.c2ln";
}
