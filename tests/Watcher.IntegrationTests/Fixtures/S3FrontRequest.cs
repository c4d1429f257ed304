namespace Watcher.IntegrationTests.Fixtures;

/// <summary>One request as an <see cref="S3Front"/> saw it arrive.</summary>
/// <param name="At">When it arrived.</param>
/// <param name="Method">GET, PUT, HEAD, POST or DELETE.</param>
/// <param name="Target">The path and query, as sent.</param>
/// <param name="Length">The body's Content-Length, if any.</param>
/// <param name="HasContentMd5">Whether it carried a Content-MD5 header.</param>
public sealed record S3FrontRequest(DateTimeOffset At, string Method, string Target, long? Length, bool HasContentMd5 = false);
