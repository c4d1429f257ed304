using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Push;

/// <summary>
/// Pushes paths to one cache: leaves out what the cache's upstream serves, asks the cache once which of the
/// rest it lacks, uploads those NARs in parallel (at most <c>jobs</c> at once), and publishes each narinfo only
/// after its own NAR and the narinfos of all its references, so the cache never serves a path whose closure it lacks.
/// </summary>
/// <remarks>
/// <para>The same for the daemon's rounds and the one-shot commands. It never retries: the cache's request policy
/// does, and whatever still fails comes back as an outcome for the caller to record.</para>
/// <para>What it relies on stays alive for <c>gc</c>: a path the cache has whose narinfo is older than
/// <see cref="GcLimits.RefreshAfter"/> is refreshed (a path found gone meanwhile is pushed after all), and a NAR that
/// waited longer than <see cref="GcLimits.NarRefreshAfter"/> for its references is refreshed before its narinfo goes up.</para>
/// </remarks>
internal sealed partial class PushSession
{
    private readonly IBinaryCache _cache;
    private readonly INarSource _source;
    private readonly int _jobs;
    private readonly IReadOnlyCollection<string> _skipSignedBy;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="cache">The cache, initialised.</param>
    /// <param name="source">Where NAR bytes come from.</param>
    /// <param name="jobs">How many NARs go up at once.</param>
    /// <param name="skipSignedBy">The cache's <c>skip-signed-by</c> keys; the cache's own upstream keys apply too.</param>
    /// <param name="logger">Logs each path pushed or failed.</param>
    /// <param name="time">Times how long a NAR waits for its references; the system's clock by default.</param>
    public PushSession(IBinaryCache cache, INarSource source, int jobs, IReadOnlyCollection<string> skipSignedBy, ILogger logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
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
    public Task<Dictionary<StorePath, PathOutcome>> PushAsync(IReadOnlyList<PathInfo> paths, CancellationToken cancellationToken, CancellationToken stopStarting = default) =>
        PushAsync(paths, [], cancellationToken, stopStarting);

    /// <summary>
    /// Pushes <paramref name="paths"/> like <see cref="PushAsync(IReadOnlyList{PathInfo}, CancellationToken, CancellationToken)"/>, and
    /// makes sure of <paramref name="relied"/> first: references outside the push that the caller has not confirmed in the
    /// cache lately. They are looked up (and refreshed when aged) in the same question, never pushed; one the cache lacks
    /// comes back <see cref="PathOutcomeKind.Missing"/>, and its referrers <see cref="PathOutcomeKind.Deferred"/>.
    /// </summary>
    /// <returns>One outcome per path of <paramref name="paths"/> and of <paramref name="relied"/>.</returns>
    /// <param name="paths">The paths, references first.</param>
    /// <param name="relied">References of <paramref name="paths"/> that are not among them, with their store facts.</param>
    /// <param name="cancellationToken">Aborts uploads in progress.</param>
    /// <param name="stopStarting">Once cancelled, no new upload starts: the rest come back <see cref="PathOutcomeKind.Deferred"/>.</param>
    public async Task<Dictionary<StorePath, PathOutcome>> PushAsync(IReadOnlyList<PathInfo> paths, IReadOnlyList<PathInfo> relied, CancellationToken cancellationToken, CancellationToken stopStarting = default)
    {
        var upstreamKeys = _skipSignedBy.Concat(_cache.UpstreamKeyNames).ToList();
        var outcomes = new Dictionary<StorePath, PathOutcome>(paths.Count + relied.Count);
        var toAsk = new List<StorePath>(paths.Count + relied.Count);
        foreach (var info in relied.Concat(paths))
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

        var lookup = await RefreshAgedAsync(await LookupAsync(toAsk, cancellationToken), cancellationToken);
        var listed = paths.Select(p => p.Path).ToHashSet();
        using var slots = new SemaphoreSlim(_jobs);
        var tasks = new Dictionary<StorePath, Task<PathOutcome>>(paths.Count + relied.Count);
        foreach (var info in relied)
        {
            if (listed.Contains(info.Path))
            {
                throw new ArgumentException($"{info.Path} is both pushed and relied on", nameof(relied));
            }

            tasks[info.Path] = Task.FromResult(
                outcomes.GetValueOrDefault(info.Path)
                ?? (lookup.Unknown.Contains(info.Path) ? PathOutcome.Deferred with { Error = lookup.Error }
                    : lookup.Missing.Contains(info.Path) ? PathOutcome.Missing
                    : PathOutcome.Present));
        }

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
        long started = _time.GetTimestamp();
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
                if (_time.GetElapsedTime(started) > GcLimits.NarRefreshAfter && !await _cache.RefreshNarAsync(narInfo, cancellationToken))
                {
                    // Nothing named the NAR while it waited for its references, and gc took it: it goes up again next round.
                    Log.NarGone(_logger, info.Path.FullPath, _cache.Name, narInfo.Url);
                    return PathOutcome.Deferred;
                }

                if (!await _cache.TryPublishAsync(narInfo, cancellationToken))
                {
                    // Another writer's narinfo was in place first and stays: the path is in the cache, just not by this push.
                    return PathOutcome.Present;
                }
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
                case PathOutcomeKind.Deferred or PathOutcomeKind.Missing:
                    return PathOutcome.Deferred;
                default:
                    break;
            }
        }

        return null;
    }
}
