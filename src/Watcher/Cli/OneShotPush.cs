using System.CommandLine;
using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Caches.Factory;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Push;
using Watcher.Store;

namespace Watcher.Cli;

/// <summary>
/// What <c>push</c> and <c>scan</c> share: the caches (each behind its retry policy, without the daemon's circuit
/// breaker, so a dead cache fails the command), one <see cref="PushRound"/> over the same <see cref="PushPlan"/> the
/// daemon makes (its paths held as temporary GC roots while one <see cref="PushSession"/> per cache pushes them), the
/// live display on a terminal, and the summary per cache: the outcomes are journaled in memory only.
/// </summary>
internal sealed partial class OneShotPush : IDisposable
{
    private readonly PrivateMeterFactory _meters = new();
    private readonly List<CacheTarget> _targets;
    private readonly PushRound _round;
    private readonly INarSource _source;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly UploadLimits? _limits;

    /// <summary>Creates the caches <paramref name="caches"/> with <paramref name="factory"/>, reading NARs through <paramref name="daemon"/>.</summary>
    public OneShotPush(IEnumerable<CacheOptions> caches, CacheFactory factory, NixDaemonClient daemon, ILogger logger, TimeProvider? time = null)
    {
        var metrics = new WatcherMetrics(_meters);
        _targets = [.. caches.Select(o => CacheTarget.For(o, factory.CreateMetered(o, daemon.StoreDir, metrics, breaker: false)))];
        _round = new PushRound(daemon);
        _source = new StoreNarSource(daemon);
        _limits = factory.Limits;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Pushes to <paramref name="targets"/>, holding roots in <paramref name="store"/> and reading NARs from <paramref name="source"/>.</summary>
    internal OneShotPush(IEnumerable<CacheTarget> targets, IStoreQueries store, INarSource source, ILogger logger, TimeProvider? time = null)
    {
        _targets = [.. targets];
        _round = new PushRound(store);
        _source = source;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    public IReadOnlyList<CacheTarget> Targets => _targets;

    /// <summary><c>--quiet</c>: for a command's options.</summary>
    public static Option<bool> QuietOption() => new("--quiet", "-q") { Description = "Print only warnings and errors (and the --json summary): no progress, no summary" };

    /// <summary><c>--json</c>: for a command's options.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print the summary as JSON on stdout (per cache: counts, bytes, time, failed paths)" };

    /// <summary>The level of the messages a push prints: warnings and errors only under a live display (it shows each path) or with --quiet.</summary>
    public static LogLevel MessageLevel(ConsoleOutput output) => output.Live is not null || output.Quiet ? LogLevel.Warning : LogLevel.Information;

    public void Dispose() => _meters.Dispose();

    /// <summary>Pushes <paramref name="plan"/>'s closure to every cache at once, with a live display when <paramref name="output"/> has one.</summary>
    public async Task<PushSummary> PushAsync(PushPlan plan, ConsoleOutput output, CancellationToken cancellationToken)
    {
        var progress = _targets.Select(t => new CacheProgress(t.Name, t.Activity, plan.Closure) { Throttle = _limits?.For(t.Name) }).ToList();
        Task<CachePushSummary[]> PushAll() => _round.HoldingAsync(
            plan.Closure,
            () => Task.WhenAll(_targets.Select((t, i) => PushToAsync(t, plan, progress[i], cancellationToken))),
            cancellationToken);
        try
        {
            var caches = output.Live is { } live ? await LivePushView.RunAsync(live, progress, _time, PushAll) : await PushAll();
            return new PushSummary(caches);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Every upload has ended (a NAR cut off never gets its narinfo); the pairs still to do are the ones not pushed.
            throw new CommandInterruptedException(Interrupted(progress), ex, cancellationToken);
        }
    }

    /// <summary>"12 pushed, 3 not pushed": (path, cache) pairs uploaded by this push, and those neither uploaded nor there already.</summary>
    internal static string Interrupted(IReadOnlyList<CacheProgress> progress) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{progress.Sum(p => p.Pushed)} pushed, {progress.Sum(p => p.Paths - p.Done + p.Failed)} not pushed");

    private async Task<CachePushSummary> PushToAsync(CacheTarget target, PushPlan plan, CacheProgress progress, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        var outcomes = await OutcomesAsync(target, plan.Closure, progress, cancellationToken);
        progress.End();
        return CachePushSummary.From(target.Name, plan.Closure, outcomes, plan.Excluded.Count, _time.GetElapsedTime(started));
    }

    /// <summary>Sets the cache up and pushes; a cache that cannot be set up fails every path with its error.</summary>
    private async Task<Dictionary<StorePath, PathOutcome>> OutcomesAsync(CacheTarget target, IReadOnlyList<PathInfo> closure, CacheProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            await target.Cache.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CacheUnusable(_logger, target.Name, ex.Message, Failures.StackTraceFor(ex));
            var failed = PathOutcome.Failed(ex);
            foreach (var info in closure)
            {
                progress.Finished(info, failed);
            }

            return closure.ToDictionary(p => p.Path, _ => failed);
        }

        var session = new PushSession(target.Cache, _source, target.Options.Jobs, target.Options.SkipSignedBy, _logger) { Observer = progress };
        return await session.PushAsync(closure, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 205, EventName = "CacheUnusable", Level = LogLevel.Error, Message = "cannot push to {Cache}: {Reason}")]
        public static partial void CacheUnusable(ILogger logger, string cache, string reason, Exception? exception);
    }
}
