using Watcher.Nix;
using Watcher.Pipeline;

namespace Watcher.Upload;

/// <summary>
/// Pushes paths to one cache: leaves out what the cache's upstream serves, asks the cache once which of the
/// rest it lacks, uploads those NARs in parallel (at most <c>jobs</c> at once), and publishes each narinfo only
/// after its own NAR and the narinfos of all its references, so the cache never serves a path whose closure it lacks.
/// </summary>
/// <remarks>
/// The same for the daemon's rounds and the one-shot commands. It never retries: the cache's request policy
/// does, and whatever still fails comes back as an outcome for the caller to record.
/// </remarks>
internal sealed partial class PushSession
{
    private readonly IBinaryCache _cache;
    private readonly INarSource _source;
    private readonly int _jobs;
    private readonly IReadOnlyCollection<string> _skipSignedBy;
    private readonly ILogger _logger;

    /// <param name="cache">The cache, initialised.</param>
    /// <param name="source">Where NAR bytes come from.</param>
    /// <param name="jobs">How many NARs go up at once.</param>
    /// <param name="skipSignedBy">The cache's <c>skip-signed-by</c> keys; the cache's own upstream keys apply too.</param>
    /// <param name="logger">Logs each path pushed or failed.</param>
    public PushSession(IBinaryCache cache, INarSource source, int jobs, IReadOnlyCollection<string> skipSignedBy, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        _cache = cache;
        _source = source;
        _jobs = jobs;
        _skipSignedBy = skipSignedBy;
        _logger = logger;
    }

    /// <summary>
    /// Pushes <paramref name="paths"/>, which must list every reference before its referrers (<see cref="ClosureOrder"/>).
    /// References not listed are taken as taken care of (in the cache, upstream).
    /// </summary>
    /// <returns>One outcome per path; a failure never stops the paths that do not depend on it.</returns>
    /// <param name="paths">The paths, references first.</param>
    /// <param name="cancellationToken">Aborts uploads in progress.</param>
    /// <param name="stopStarting">Once cancelled, no new upload starts: the rest come back <see cref="PathOutcomeKind.Deferred"/>.</param>
    public async Task<Dictionary<StorePath, PathOutcome>> PushAsync(IReadOnlyList<PathInfo> paths, CancellationToken cancellationToken, CancellationToken stopStarting = default)
    {
        var upstreamKeys = _skipSignedBy.Concat(_cache.UpstreamKeyNames).ToList();
        var outcomes = new Dictionary<StorePath, PathOutcome>(paths.Count);
        var toAsk = new List<StorePath>(paths.Count);
        foreach (var info in paths)
        {
            if (PathFilter.IsUpstream(info, upstreamKeys))
            {
                outcomes[info.Path] = PathOutcome.Upstream;
            }
            else
            {
                toAsk.Add(info.Path);
            }
        }

        var lookup = await LookupAsync(toAsk, cancellationToken);
        var listed = paths.Select(p => p.Path).ToHashSet();
        using var slots = new SemaphoreSlim(_jobs);
        var tasks = new Dictionary<StorePath, Task<PathOutcome>>(paths.Count);
        foreach (var info in paths)
        {
            if (outcomes.TryGetValue(info.Path, out var upstream))
            {
                tasks[info.Path] = Task.FromResult(upstream);
            }
            else if (lookup.Unknown.Contains(info.Path))
            {
                tasks[info.Path] = Task.FromResult(PathOutcome.Deferred with { Error = lookup.Error });
            }
            else if (!lookup.Missing.Contains(info.Path))
            {
                tasks[info.Path] = Task.FromResult(PathOutcome.Present);
            }
            else
            {
                tasks[info.Path] = PushOneAsync(info, ReferenceTasks(info, tasks, listed), slots, cancellationToken, stopStarting);
            }
        }

        ObserveEach(paths, tasks);
        await Task.WhenAll(tasks.Values);
        foreach (var (path, task) in tasks)
        {
            outcomes[path] = task.Result;
        }

        return await FlushAsync(outcomes, cancellationToken);
    }

    /// <summary>One question to the cache; if it cannot be asked at all, every path is unknown (and stays to do).</summary>
    private async Task<CacheLookup> LookupAsync(List<StorePath> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return CacheLookup.Exactly(new HashSet<StorePath>());
        }

        try
        {
            var lookup = await _cache.LookupAsync(paths, cancellationToken);
            if (lookup.Unknown.Count > 0)
            {
                Log.LookupIncomplete(_logger, _cache.Name, lookup.Unknown.Count, paths.Count, lookup.Error ?? "no answer");
            }

            return lookup;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.LookupIncomplete(_logger, _cache.Name, paths.Count, paths.Count, ex.Message);
            return CacheLookup.Failed(paths, ex.Message);
        }
    }

    /// <summary>The tasks of the references of <paramref name="info"/> that are in this push; each must be listed before it.</summary>
    private static List<(StorePath, Task<PathOutcome>)> ReferenceTasks(PathInfo info, Dictionary<StorePath, Task<PathOutcome>> tasks, HashSet<StorePath> listed)
    {
        var references = new List<(StorePath, Task<PathOutcome>)>();
        foreach (var reference in info.ReferencesExceptSelf)
        {
            if (tasks.TryGetValue(reference, out var task))
            {
                references.Add((reference, task));
            }
            else if (listed.Contains(reference))
            {
                throw new ArgumentException($"the paths list {info.Path} before its reference {reference}", nameof(listed));
            }
        }

        return references;
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
            Log.FlushFailed(_logger, _cache.Name, ex.Message, Failures.StackTraceFor(ex));
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
        if (_cache.PublishesOnUpload && await NotPublishedAsync(info, references) is { } early)
        {
            return early;
        }

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

        NarInfo narInfo;
        try
        {
            narInfo = await _cache.UploadNarAsync(info, _source, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, ex.Message, Failures.StackTraceFor(ex));
            return PathOutcome.Failed(ex);
        }
        finally
        {
            slots.Release();
        }

        if (!_cache.PublishesOnUpload)
        {
            if (await NotPublishedAsync(info, references) is { } blocked)
            {
                return blocked;
            }

            try
            {
                await _cache.PublishAsync(narInfo, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, ex.Message, Failures.StackTraceFor(ex));
                return PathOutcome.Failed(ex);
            }
        }

        Log.Pushed(_logger, info.Path.FullPath, _cache.Name, narInfo.FileSize ?? 0);
        return new PathOutcome(PathOutcomeKind.Pushed, UploadedBytes: narInfo.FileSize ?? 0);
    }

    /// <summary>Waits for the references; the outcome that keeps the path from being published, or null when all are in the cache.</summary>
    private async Task<PathOutcome?> NotPublishedAsync(PathInfo info, List<(StorePath Path, Task<PathOutcome> Task)> references)
    {
        foreach (var (path, task) in references)
        {
            var outcome = await task;
            switch (outcome.Kind)
            {
                case PathOutcomeKind.Failed when outcome.Reason == FailureReason.Paused:
                    // The cache is paused, not refusing: the referrer waits with its reference.
                    return PathOutcome.Deferred;
                case PathOutcomeKind.Failed:
                    var failed = PathOutcome.ReferenceFailed(path);
                    Log.UploadFailed(_logger, info.Path.FullPath, _cache.Name, failed.Error!, null);
                    return failed;
                case PathOutcomeKind.Deferred:
                    return PathOutcome.Deferred;
                default:
                    break;
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "PathPushed", Level = LogLevel.Information, Message = "pushed {StorePath} to {Cache} ({Bytes} bytes)")]
        public static partial void Pushed(ILogger logger, string storePath, string cache, long bytes);

        [LoggerMessage(EventId = 101, EventName = "PathFailed", Level = LogLevel.Error, Message = "could not push {StorePath} to {Cache}: {Reason}")]
        public static partial void UploadFailed(ILogger logger, string storePath, string cache, string reason, Exception? exception);

        [LoggerMessage(EventId = 102, EventName = "LookupIncomplete", Level = LogLevel.Warning, Message = "{Cache} could not say whether it has {Unknown} of {Count} paths; they stay to do: {Reason}")]
        public static partial void LookupIncomplete(ILogger logger, string cache, int unknown, int count, string reason);

        [LoggerMessage(EventId = 1390, EventName = "CacheUnavailable", Level = LogLevel.Error, Message = "cannot push to {Cache}: {Reason}")]
        public static partial void FlushFailed(ILogger logger, string cache, string reason, Exception? exception);
    }
}
