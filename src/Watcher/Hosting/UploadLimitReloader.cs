using System.Runtime.InteropServices;
using Watcher.Config;
using Watcher.Pipeline;
using Watcher.Upload.Bandwidth;

namespace Watcher.Hosting;

/// <summary>
/// Reads the config file again on <c>SIGHUP</c> (<c>systemctl --user reload nix-watcher</c>) and applies its
/// <c>max-upload-rate</c> keys at once, uploads in progress carrying on at the new rates. Every other key takes
/// effect at the next start, and a reload that changed one says so. A config that no longer loads changes nothing.
/// </summary>
internal sealed partial class UploadLimitReloader : IHostedService, IDisposable
{
    private readonly WatcherOptions _options;
    private readonly UploadLimits _limits;
    private readonly ILogger _logger;
    private PosixSignalRegistration? _registration;

    public UploadLimitReloader(WatcherOptions options, UploadLimits limits, ILogger<UploadLimitReloader> logger)
    {
        _options = options;
        _limits = limits;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Handled: the default action of SIGHUP would end the process.
            context.Cancel = true;
            Reload();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _registration = null;
    }

    /// <summary>Reads the config again and applies its limits; false when it does not load.</summary>
    public bool Reload()
    {
        WatcherOptions fresh;
        try
        {
            fresh = ConfigLoader.Load(_options.SourceFile);
        }
        catch (ConfigException ex)
        {
            Log.ReloadFailed(_logger, ex.Message);
            return false;
        }

        _limits.Apply(fresh);
        string global = RateLimitStatus.Of(_limits.Global).Describe();
        string caches = _limits.Caches.Count == 0 ? "none" : string.Join(", ", _limits.Caches.Select(pair => $"{pair.Key}: {RateLimitStatus.Of(pair.Value).Describe()}"));
        Log.Reloaded(_logger, global, caches);
        var changed = ChangedElsewhere(_options, fresh);
        if (changed.Count > 0)
        {
            Log.RestartNeeded(_logger, string.Join(", ", changed));
        }

        return true;
    }

    /// <summary>What differs between two configs besides the upload limits (those need a restart).</summary>
    internal static List<string> ChangedElsewhere(WatcherOptions running, WatcherOptions fresh)
    {
        var changed = new List<string>();
        if (running.StateDir != fresh.StateDir)
        {
            changed.Add(ConfigKeys.StateDir);
        }

        WatchOptions a = running.Watch, b = fresh.Watch;
        if (a.StoreDir != b.StoreDir || a.Scan != b.Scan || a.Jobs != b.Jobs || a.SkipDerivations != b.SkipDerivations
            || a.BatchQuiet != b.BatchQuiet || a.BatchMax != b.BatchMax || !a.Roots.SequenceEqual(b.Roots)
            || !a.Exclude.Select(r => r.ToString()).SequenceEqual(b.Exclude.Select(r => r.ToString())))
        {
            changed.Add($"[{ConfigKeys.Watch}]");
        }

        if (running.Metrics.Listen != fresh.Metrics.Listen)
        {
            changed.Add($"[{ConfigKeys.Metrics}]");
        }

        var before = running.Caches.ToDictionary(c => c.Name, CacheFingerprint.Of);
        var after = fresh.Caches.ToDictionary(c => c.Name, CacheFingerprint.Of);
        foreach (string name in before.Keys.Union(after.Keys))
        {
            if (before.GetValueOrDefault(name) != after.GetValueOrDefault(name))
            {
                changed.Add($"[{ConfigKeys.Caches}.{name}]");
            }
        }

        return changed;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 546, EventName = "ConfigReloaded", Level = LogLevel.Information, Message = "config read again (SIGHUP): max-upload-rate {Global} for all caches; per cache: {Caches}")]
        public static partial void Reloaded(ILogger logger, string global, string caches);

        [LoggerMessage(EventId = 547, EventName = "ConfigReloadRestartNeeded", Level = LogLevel.Warning, Message = "the config also changed in {Changed}: only max-upload-rate is applied on SIGHUP; restart nix-watcher for the rest")]
        public static partial void RestartNeeded(ILogger logger, string changed);

        [LoggerMessage(EventId = 548, EventName = "ConfigReloadFailed", Level = LogLevel.Error, Message = "config read again (SIGHUP) but not applied, the limits in force stay: {Problem}")]
        public static partial void ReloadFailed(ILogger logger, string problem);
    }
}
