using System.CommandLine;
using Watcher.Caches;
using Watcher.Caches.Attic;
using Watcher.Caches.Factory;
using Watcher.Caches.S3;
using Watcher.Caches.Zstd;
using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Pipeline;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher check [--offline] [--verbose]</c>: validates the config, the signing keys and the token
/// files, then (unless offline) reaches and authenticates against every cache, connects to the nix-daemon
/// and reports what a scan would push to each cache, without pushing or creating anything.
/// Exit 0 when everything is usable, 1 on any problem, 78 for a configuration error.
/// </summary>
internal static class CheckCommand
{
    /// <summary>How long one cache may take to answer its probe.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    private static readonly Option<bool> OfflineOption = new("--offline")
    {
        Description = "Check the config, signing keys and token files only; contact no cache and not the nix-daemon",
    };

    private static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "List the store paths a scan would push to each cache",
    };

    public static Command Create()
    {
        var command = new Command("check", "Validate the config, reach and authenticate against every cache, and show what a scan would push; changes nothing");
        command.Options.Add(OfflineOption);
        command.Options.Add(VerboseOption);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(OfflineOption), parse.GetValue(VerboseOption), Console.Out, ct));
        return command;
    }

    internal static async Task<int> RunAsync(string? configPath, bool offline, bool verbose, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        string storeDir = options.Watch.StoreDir;
        await output.WriteLineAsync($"config {options.SourceFile ?? ConfigLoader.BuiltInDefaultName}: ok, caches: {string.Join(", ", options.Caches.Select(c => c.Name))}");

        if (verbose && options.Caches.OfType<SignedCacheOptions>().Any(c => c.Compression == CompressionKind.Zstd))
        {
            await output.WriteLineAsync($"zstd encoder: {ZstdEncoders.Describe()}");
        }

        using var loggerFactory = WatcherCli.CreateLoggerFactory(LogLevel.Warning);
        using var staging = StagingDirectory.In(options.StateDir);
        using var factory = new CacheFactory(loggerFactory) { CreateMissingKeys = false, Staging = staging };
        // One attempt per request (with the configured timeout): check reports what it sees, it does not insist.
        using var meters = new PrivateMeterFactory();
        var metrics = new WatcherMetrics(meters);
        var targets = options.Caches.Select(o => CacheTarget.For(o, factory.CreateMetered(o, storeDir, metrics, breaker: false, o.Retry with { Attempts = 1 }))).ToList();
        int problems = await CheckSecretsAsync(options, factory, output);
        if (offline)
        {
            await output.WriteLineAsync("offline: the caches and the nix-daemon were not contacted");
        }
        else
        {
            var usable = new List<CacheTarget>();
            foreach (var target in targets)
            {
                if (await ProbeAsync(target, storeDir, verbose, output, cancellationToken))
                {
                    usable.Add(target);
                }
                else
                {
                    problems++;
                }
            }

            problems += await CheckScanReport.WriteAsync(options, usable, verbose, output, loggerFactory, cancellationToken);
        }

        await output.WriteLineAsync(problems == 0 ? "check: ok" : $"check: {problems} problem{(problems == 1 ? string.Empty : "s")}");
        return problems == 0 ? ExitCodes.Ok : ExitCodes.Failures;
    }

    /// <summary>Signing keys (loaded, never created) and Attic token files (read, never shown).</summary>
    private static async Task<int> CheckSecretsAsync(WatcherOptions options, CacheFactory factory, TextWriter output)
    {
        int problems = 0;
        foreach (string keyFile in options.Caches.OfType<SignedCacheOptions>().Select(c => c.SigningKeyFile).Distinct(StringComparer.Ordinal))
        {
            if (factory.MissingKeys.Contains(keyFile))
            {
                await output.WriteLineAsync($"signing key {keyFile}: does not exist yet; the first push or run creates it and prints its public key");
                continue;
            }

            using var key = SigningKeys.Load(keyFile);
            await output.WriteLineAsync($"signing key {keyFile}: ok, public key {key.PublicKey}");
            await WarnIfReadableByOthersAsync("signing key", keyFile, output);
        }

        foreach (var attic in options.Caches.OfType<AtticCacheOptions>())
        {
            var tokens = AtticCache.TokenSourceFor(attic);
            try
            {
                string? token = tokens.GetToken(out _);
                await output.WriteLineAsync(token is null
                    ? $"attic token for {attic.Name}: none, requests go unauthenticated"
                    : $"attic token for {attic.Name}: read from {tokens.Description}");
                if (token is not null && tokens.SourceFile is { } tokenFile)
                {
                    await WarnIfReadableByOthersAsync($"attic token file of {attic.Name}", tokenFile, output);
                }
            }
            catch (CacheUploadException ex)
            {
                await output.WriteLineAsync($"attic token for {attic.Name}: FAILED: {ex.Message}");
                problems++;
            }
        }

        return problems;
    }

    /// <summary>A warning (not a problem: the exit code stays) for a secret other users can read.</summary>
    private static async Task WarnIfReadableByOthersAsync(string what, string file, TextWriter output)
    {
        if (SecretFileChecks.DescribeReadableByOthers(file) is { } warning)
        {
            await output.WriteLineAsync($"  warning: {what} {file} is {warning}");
        }
    }

    private static async Task<bool> ProbeAsync(CacheTarget target, string storeDir, bool verbose, TextWriter output, CancellationToken cancellationToken)
    {
        string what = $"cache {target.Name} ({CacheProbe.Describe(target.Options)})";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            string? remark = await CacheProbe.ProbeAsync(target.Options, target.Cache, storeDir, timeout.Token);
            await output.WriteLineAsync($"{what}: ok{(remark is null ? string.Empty : "; " + remark)}");
            if (target.Options is S3CacheOptions s3)
            {
                using var bucket = CacheProbe.OpenBucket(s3);
                if (await S3LifecycleCheck.CheckAsync(bucket, timeout.Token) is { } warning)
                {
                    await output.WriteLineAsync($"{what}: warning: {warning}");
                }

                if (S3ClockSkew.OffsetOf(S3ClientFactory.DescribeEndpoint(s3)) is { } offset)
                {
                    await output.WriteLineAsync($"{what}: warning: {S3ClockSkew.Describe(offset)}; the server refused its time, so nix-watcher signs with the server's");
                }

                // What this process learnt; check itself writes nothing, so it sends no conditional write to find out.
                if (verbose)
                {
                    await output.WriteLineAsync($"{what}: conditional writes: {S3ConditionalWrites.Describe(S3Errors.WhereOf(s3))}");
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync($"{what}: FAILED: no answer within {ProbeTimeout.TotalSeconds:0} s");
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await output.WriteLineAsync($"{what}: FAILED: {ex.Message}");
            return false;
        }
    }
}
