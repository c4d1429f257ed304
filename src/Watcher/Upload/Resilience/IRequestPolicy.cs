namespace Watcher.Upload.Resilience;

/// <summary>What a request to a cache is, which decides its attempt timeout.</summary>
internal enum RequestKind
{
    /// <summary>Asks whether something exists (HEAD, get-missing-paths).</summary>
    Lookup,

    /// <summary>A small write or query (a narinfo, nix-cache-info, starting or completing a multipart upload).</summary>
    Metadata,

    /// <summary>Sends a NAR or a part of one; its timeout grows with its size.</summary>
    Body,
}

/// <summary>
/// Sends one request to a cache, again when it fails transiently: the only place requests are retried.
/// Caches run every request through it, so each resend is counted and bounded once.
/// </summary>
internal interface IRequestPolicy
{
    /// <summary>Runs <paramref name="action"/> (named <paramref name="operation"/> in logs) until it succeeds or the policy gives up.</summary>
    /// <param name="operation">What the request does, for logs ("uploading part 3 of nar/….nar.zst").</param>
    /// <param name="kind">What kind of request it is, for its attempt timeout.</param>
    /// <param name="action">One attempt; gets a token that also fires at the attempt timeout.</param>
    /// <param name="cancellationToken">Cancels the request and every retry.</param>
    /// <param name="bodyBytes">The size of the request body, for <see cref="RequestKind.Body"/>.</param>
    Task<T> RunAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, long bodyBytes = 0);
}
