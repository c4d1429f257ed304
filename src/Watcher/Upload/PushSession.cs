using Watcher.Nix;

namespace Watcher.Upload;

/// <summary>
/// Pushes a closure to one cache: NARs go up in parallel (at most <c>jobs</c> at once), and each
/// narinfo is published only after its own NAR and the narinfos of all its references, so the cache
/// never serves a path whose closure it lacks.
/// </summary>
internal sealed partial class PushSession
{
    private readonly IBinaryCache _cache;
    private readonly INarSource _source;
    private readonly int _jobs;
    private readonly ILogger _logger;

    public PushSession(IBinaryCache cache, INarSource source, int jobs, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        _cache = cache;
        _source = source;
        _jobs = jobs;
        _logger = logger;
    }

    /// <summary>
    /// Key names (<c>skip-signed-by</c>) whose signature marks a path as coming from an upstream cache: such
    /// paths are not pushed and count as present, and their referrers are still published.
    /// </summary>
    public IReadOnlyCollection<string> SkipSignedBy { get; init; } = [];

    /// <summary>
    /// Pushes <paramref name="closure"/>, which must list every reference before its referrers. References
    /// not listed at all are taken as already taken care of (in the cache, filtered, or upstream).
    /// </summary>
    /// <returns>One outcome per path; a failure never stops the paths that do not depend on it.</returns>
    /// <param name="closure">The paths, references first.</param>
    /// <param name="cancellationToken">Aborts uploads in progress.</param>
    /// <param name="stopStarting">Once cancelled, no new upload starts: the rest come back <see cref="PathOutcomeKind.Deferred"/>.</param>
    public async Task<IReadOnlyDictionary<StorePath, PathOutcome>> PushAsync(IReadOnlyList<PathInfo> closure, CancellationToken cancellationToken, CancellationToken stopStarting = default)
    {
        IReadOnlySet<StorePath> missing;
        try
        {
            await _cache.InitializeAsync(cancellationToken);
            missing = await _cache.FindMissingAsync(closure.Select(p => p.Path).ToList(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The cache is unusable (unreachable, bad credentials, no bucket): one message, every path failed.
            Log.CacheUnavailable(_logger, _cache.Name, ex.Message, StackTraceFor(ex));
            var failed = new PathOutcome(PathOutcomeKind.Failed, ex.Message, Cause: FailureCause.CacheUnavailable);
            return closure.DistinctBy(p => p.Path).ToDictionary(p => p.Path, _ => failed);
        }

        using var slots = new SemaphoreSlim(_jobs);
        var listed = closure.Select(p => p.Path).ToHashSet();
        var tasks = new Dictionary<StorePath, Task<PathOutcome>>(closure.Count);
        foreach (var info in closure)
        {
            if (!missing.Contains(info.Path) || IsUpstream(info))
            {
                tasks[info.Path] = Task.FromResult(PathOutcome.Present);
                continue;
            }

            var references = new List<(StorePath, Task<PathOutcome>)>();
            foreach (var reference in info.ReferencesExceptSelf)
            {
                if (!listed.Contains(reference))
                {
                    continue;
                }

                if (!tasks.TryGetValue(reference, out var task))
                {
                    throw new ArgumentException($"the closure lists {info.Path} before its reference {reference}", nameof(closure));
                }

                references.Add((reference, task));
            }

            tasks[info.Path] = PushOneAsync(info, references, slots, cancellationToken, stopStarting);
        }

        await Task.WhenAll(tasks.Values);
        var outcomes = tasks.ToDictionary(t => t.Key, t => t.Value.Result);
        return await FlushAsync(outcomes, cancellationToken);
    }

    /// <summary>Makes the pushed paths durable; if the cache cannot, none of them counts as pushed.</summary>
    private async Task<Dictionary<StorePath, PathOutcome>> FlushAsync(Dictionary<StorePath, PathOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (!outcomes.Values.Any(o => o.Kind == PathOutcomeKind.Pushed))
        {
            return outcomes;
        }

        try
        {
            await _cache.FlushAsync(cancellationToken);
            return outcomes;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CacheUnavailable(_logger, _cache.Name, ex.Message, StackTraceFor(ex));
            var failed = PathOutcome.Failed(ex);
            foreach (var path in outcomes.Where(o => o.Value.Kind == PathOutcomeKind.Pushed).Select(o => o.Key).ToList())
            {
                outcomes[path] = failed;
            }

            return outcomes;
        }
    }

    private async Task<PathOutcome> PushOneAsync(PathInfo info, List<(StorePath Path, Task<PathOutcome> Task)> references, SemaphoreSlim slots, CancellationToken cancellationToken, CancellationToken stopStarting)
    {
        // Yield first so that building the task graph is not serialised behind the first upload.
        await Task.Yield();
        string? failedReference;
        if (_cache.PublishesOnUpload && (failedReference = await FirstFailedAsync(references)) is not null)
        {
            return ReferenceFailed(info, failedReference);
        }

        NarInfo narInfo;
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopStarting))
        {
            try
            {
                await slots.WaitAsync(waiting.Token);
            }
            catch (OperationCanceledException) when (stopStarting.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return PathOutcome.Deferred;
            }
        }

        try
        {
            narInfo = await _cache.UploadNarAsync(info, _source, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, ex.Message, StackTraceFor(ex));
            return PathOutcome.Failed(ex);
        }
        finally
        {
            slots.Release();
        }

        if (!_cache.PublishesOnUpload)
        {
            if ((failedReference = await FirstFailedAsync(references)) is not null)
            {
                return ReferenceFailed(info, failedReference);
            }

            try
            {
                await _cache.PublishAsync(narInfo, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, ex.Message, StackTraceFor(ex));
                return PathOutcome.Failed(ex);
            }
        }

        Log.Pushed(_logger, info.Path.FullPath, _cache.Name, narInfo.FileSize ?? 0);
        return new PathOutcome(PathOutcomeKind.Pushed, UploadedBytes: narInfo.FileSize ?? 0);
    }

    /// <summary>Waits for the references; returns the first that failed, or null when all are in the cache.</summary>
    private static async Task<string?> FirstFailedAsync(List<(StorePath Path, Task<PathOutcome> Task)> references)
    {
        foreach (var (path, task) in references)
        {
            if ((await task).Kind is PathOutcomeKind.Failed or PathOutcomeKind.Deferred)
            {
                return path.FullPath;
            }
        }

        return null;
    }

    /// <summary>Signed by a <c>skip-signed-by</c> key, or by a key the cache itself names as upstream (known once it is initialised).</summary>
    private bool IsUpstream(PathInfo info) => info.IsSignedByAny(SkipSignedBy.Concat(_cache.UpstreamKeyNames));

    /// <summary>Expected failures (a cache refused, a path vanished) are logged by message; anything else keeps its stack trace.</summary>
    private static Exception? StackTraceFor(Exception exception) => exception is WatcherException ? null : exception;

    private PathOutcome ReferenceFailed(PathInfo info, string reference)
    {
        string reason = $"not published because its reference {reference} failed";
        Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, reason, null);
        return new PathOutcome(PathOutcomeKind.Failed, reason, Cause: FailureCause.Reference) { FailedReference = reference };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "PathPushed", Level = LogLevel.Information, Message = "pushed {StorePath} to {Cache} ({Bytes} bytes)")]
        public static partial void Pushed(ILogger logger, string storePath, string cache, long bytes);

        [LoggerMessage(EventId = 101, EventName = "PathFailed", Level = LogLevel.Error, Message = "could not push {StorePath} to {Cache}: {Reason}")]
        public static partial void UploadFailed(ILogger logger, string storePath, string cache, string reason, Exception? exception);

        [LoggerMessage(EventId = 1390, EventName = "CacheUnavailable", Level = LogLevel.Error, Message = "cannot push to {Cache}: {Reason}")]
        public static partial void CacheUnavailable(ILogger logger, string cache, string reason, Exception? exception);
    }
}
