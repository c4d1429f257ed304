using Watcher.Caches;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Pipeline;
using Watcher.Push;
using Watcher.Store;

namespace Watcher.Cli;

/// <summary>
/// The second half of <c>nix-watcher check</c>: connects to the nix-daemon, finds what the configured scan
/// covers and asks each usable cache which of those paths it lacks. Nothing is pushed.
/// </summary>
internal static class CheckScanReport
{
    /// <summary>Writes the report; returns the number of problems found (daemon or cache failures).</summary>
    public static async Task<int> WriteAsync(WatcherOptions options, IReadOnlyList<CacheTarget> targets, bool verbose, TextWriter output, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var daemonOptions = new NixDaemonClientOptions { StoreDir = options.Watch.StoreDir };
        using var daemon = new NixDaemonClient(daemonOptions, loggerFactory.CreateLogger<NixDaemonClient>());
        ScanSet set;
        DaemonInfo daemonInfo;
        try
        {
            // Validity of the probe path costs one round trip and proves the daemon answers, whatever the scan mode.
            await daemon.QueryValidPathsAsync([CacheProbe.ProbePath(daemon.StoreDir)], cancellationToken);
            daemonInfo = await daemon.QueryDaemonInfoAsync(cancellationToken);
            set = await ScanPaths.QueryAsync(options.Watch.Scan, options.Watch, daemon, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync($"nix-daemon {daemonOptions.SocketPath}: FAILED: {ex.Message}");
            return 1;
        }

        await output.WriteLineAsync($"nix-daemon {daemonOptions.SocketPath}: ok" + (verbose ? $", {daemonInfo}" : string.Empty));
        foreach (var root in set.Skipped)
        {
            await output.WriteLineAsync($"scan root {root.Root} skipped: {root.Reason}");
        }

        int considered = set.Plan.Closure.Count + set.Plan.Excluded.Count;
        switch (set.Mode)
        {
            case ScanMode.None:
                await output.WriteLineAsync("scan = \"none\": no start-up scan; only paths built while the daemon runs are pushed");
                return 0;
            case ScanMode.Roots:
                await output.WriteLineAsync($"scan = \"roots\": {set.Roots.Count} root{Plural(set.Roots.Count)}, {considered} path{Plural(considered)} in their closures");
                break;
            default:
                await output.WriteLineAsync($"scan = \"all\": {considered} valid path{Plural(considered)}");
                break;
        }

        int problems = 0;
        foreach (var target in targets)
        {
            var upstreamKeys = target.Options.SkipSignedBy.Concat(target.Cache.UpstreamKeyNames).ToList();
            var wanted = set.Plan.Closure.Where(p => !PathFilter.IsUpstream(p, upstreamKeys)).ToList();
            CacheLookup lookup;
            try
            {
                lookup = await target.Cache.LookupAsync(wanted.Select(p => p.Path).ToList(), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await output.WriteLineAsync($"  {target.Name}: FAILED: {ex.Message}");
                problems++;
                continue;
            }

            var toPush = wanted.Where(p => lookup.Missing.Contains(p.Path)).ToList();
            string unknown = lookup.Unknown.Count == 0 ? string.Empty : $", {lookup.Unknown.Count} unknown ({lookup.Error})";
            problems += lookup.Unknown.Count == 0 ? 0 : 1;
            await output.WriteLineAsync(
                $"  {target.Name}: {toPush.Count} to push ({Units.Bytes(toPush.Sum(p => p.NarSize))} of NARs), " +
                $"{wanted.Count - toPush.Count - lookup.Unknown.Count} already there, {considered - wanted.Count} filtered out{unknown}");
            if (verbose)
            {
                foreach (var info in toPush)
                {
                    await output.WriteLineAsync("    " + info.Path.FullPath);
                }
            }
        }

        return problems;
    }

    private static string Plural(int count) => count == 1 ? string.Empty : "s";
}
