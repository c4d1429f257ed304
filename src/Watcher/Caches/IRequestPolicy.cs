namespace Watcher.Caches;

/// <summary>What a request to a cache without a large body is, which decides how it is timed.</summary>
internal enum RequestKind
{
    /// <summary>
    /// May be sent twice at once with the same effect (a HEAD, get-missing-paths, a narinfo or nix-cache-info PUT, a
    /// listing): short timeout, and another send alongside (a hedge) when the first has no answer soon (<see cref="Hedging"/>).
    /// </summary>
    Repeatable,

    /// <summary>
    /// A small body that may be sent twice at once (a NAR of at most 128 KiB to S3 or Attic): as <see cref="Repeatable"/>, but
    /// its hedge waits on how long such uploads take, which a slow uplink makes longer than a lookup.
    /// </summary>
    RepeatableUpload,

    /// <summary>Must not run twice at once (starting or completing a multipart upload, a local write): short timeout, no hedge.</summary>
    Single,
}

/// <summary>
/// Sends one request to a cache, again when it fails transiently: the only place requests are retried.
/// Caches run every request through it, so each resend is counted and bounded once.
/// </summary>
internal interface IRequestPolicy
{
    /// <summary>Runs <paramref name="action"/> (named <paramref name="operation"/> in logs) until it succeeds or the policy gives up.</summary>
    /// <param name="operation">What the request does, for logs ("checking a.narinfo").</param>
    /// <param name="kind">What kind of request it is, for how it is timed.</param>
    /// <param name="action">One attempt; gets a token that also fires at the attempt timeout.</param>
    /// <param name="cancellationToken">Cancels the request and every retry.</param>
    Task<T> RunAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a request that sends a body (a NAR, a part of one). An attempt has no fixed time limit: it is given up once
    /// it reports no progress (through the callback it gets, whenever bytes move) for the stall timeout, so a slow
    /// uplink is fine and a stalled connection is not. Waiting for the answer after the body counts as no progress.
    /// </summary>
    /// <param name="operation">What the request does, for logs ("uploading part 3 of 7 of nar/….nar.zst").</param>
    /// <param name="action">One attempt; reports progress through the callback, gets a token that fires when it stalls.</param>
    /// <param name="cancellationToken">Cancels the request and every retry.</param>
    Task<T> RunBodyAsync<T>(string operation, Func<Action, CancellationToken, Task<T>> action, CancellationToken cancellationToken);
}
