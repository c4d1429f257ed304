using System.Globalization;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Store;
using Watcher.Upload;

namespace Watcher.Cli;

/// <summary>
/// What <c>push</c> and <c>scan</c> share: the caches (each behind its retry policy, without the daemon's circuit
/// breaker, so a dead cache fails the command), one <see cref="PushSession"/> per cache over the same
/// <see cref="PushPlan"/> the daemon makes, and the summary line per cache.
/// </summary>
internal sealed partial class OneShotPush : IDisposable
{
    private readonly PrivateMeterFactory _meters = new();
    private readonly List<CacheTarget> _targets;
    private readonly INarSource _source;
    private readonly ILogger _logger;

    /// <summary>Creates the caches <paramref name="caches"/> with <paramref name="factory"/>, reading NARs through <paramref name="daemon"/>.</summary>
    public OneShotPush(IEnumerable<CacheOptions> caches, CacheFactory factory, NixDaemonClient daemon, ILogger logger)
    {
        var metrics = new WatcherMetrics(_meters);
        _targets = [.. caches.Select(o => CacheTarget.For(o, factory.CreateMetered(o, daemon.StoreDir, metrics, breaker: false)))];
        _source = new StoreNarSource(daemon);
        _logger = logger;
    }

    public IReadOnlyList<CacheTarget> Targets => _targets;

    public void Dispose() => _meters.Dispose();

    /// <summary>Pushes <paramref name="plan"/>'s closure to every cache at once, prints a line per cache; returns the paths not in every cache.</summary>
    public async Task<int> PushAsync(PushPlan plan, TextWriter output, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_targets.Select(t => PushToAsync(t, plan.Closure, cancellationToken)));
        int failed = 0;
        for (int i = 0; i < _targets.Count; i++)
        {
            var outcomes = results[i].Values;
            int pushed = outcomes.Count(o => o.Kind == PathOutcomeKind.Pushed);
            int present = outcomes.Count(o => o.Kind is PathOutcomeKind.Present or PathOutcomeKind.Upstream);
            int failures = outcomes.Count(o => o.Kind is PathOutcomeKind.Failed or PathOutcomeKind.Deferred);
            failed += failures;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{_targets[i].Name}: {pushed} pushed, {present} already present, {failures} failed"));
        }

        return failed;
    }

    /// <summary>Sets the cache up and pushes; a cache that cannot be set up fails every path with its error.</summary>
    private async Task<Dictionary<StorePath, PathOutcome>> PushToAsync(CacheTarget target, IReadOnlyList<PathInfo> closure, CancellationToken cancellationToken)
    {
        try
        {
            await target.Cache.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CacheUnusable(_logger, target.Name, ex.Message, Failures.StackTraceFor(ex));
            var failed = PathOutcome.Failed(ex);
            return closure.ToDictionary(p => p.Path, _ => failed);
        }

        var session = new PushSession(target.Cache, _source, target.Options.Jobs, target.Options.SkipSignedBy, _logger);
        return await session.PushAsync(closure, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 205, EventName = "CacheUnusable", Level = LogLevel.Error, Message = "cannot push to {Cache}: {Reason}")]
        public static partial void CacheUnusable(ILogger logger, string cache, string reason, Exception? exception);
    }
}
