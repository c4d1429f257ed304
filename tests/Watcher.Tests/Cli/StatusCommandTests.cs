using System.Globalization;
using Watcher.Cli;
using Watcher.Hosting;

namespace Watcher.Tests.Cli;

public sealed class StatusCommandTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void Format_Unhealthy_NamesTheStageFirst()
    {
        string[] lines = StatusCommand.Format(new StatusReport(true, "1.2.3", [CreateCache()], ["cache local: no progress for 16 min while it had work"])).Split('\n');

        Assert.Equal("unhealthy: cache local: no progress for 16 min while it had work", lines[1].TrimEnd());
    }

    [Fact]
    public void Format_DaemonAnswered_FirstLineSaysRunningWithVersion()
    {
        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [CreateCache()], []));

        Assert.StartsWith("nix-watcher 1.2.3: running\n", text, StringComparison.Ordinal);
        Assert.Contains("local (file): 3 pending, 1 uploading, 0 dead letters", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_UploadLimits_ShowTheRateInForceAndTheTimetablesNextEntry()
    {
        var cache = CreateCache() with { Type = "s3", UploadLimit = new RateLimitStatus("08:00,1M 19:00,512k", 1L << 20, "19:00", 512L << 10) };
        var global = new RateLimitStatus("4 MiB/s", 4L << 20);

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], [], UploadLimit: global));

        Assert.Contains("\nupload limit: 4 MiB/s\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  limit:      1 MiB/s (timetable \"08:00,1M 19:00,512k\"; 512 KiB/s from 19:00)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_AutoAndNoCacheLimit_SayAutoAndLeaveTheCacheLineOut()
    {
        var cache = CreateCache() with { Type = "s3", UploadLimit = new RateLimitStatus("off", null) };

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], [], UploadLimit: new RateLimitStatus("auto", 3L << 20)));

        Assert.Contains("\nupload limit: auto, 3 MiB/s now\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("  limit:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_MetricsServed_SaysWhere()
    {
        var metrics = new MetricsStatus("127.0.0.1:9464", "http://127.0.0.1:9464/metrics", null, null, null);

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [CreateCache()], [], metrics));

        Assert.Contains("\nmetrics: serving on http://127.0.0.1:9464/metrics\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_MetricsPortTaken_SaysNotServingWhySinceWhenAndTheNextTry()
    {
        var metrics = new MetricsStatus("127.0.0.1:9464", null, "address already in use (another process holds the port)", At, At.AddSeconds(8));

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [CreateCache()], [], metrics));

        Assert.Contains(
            $"\nmetrics: NOT serving on 127.0.0.1:9464 since {Local(At)}: address already in use (another process holds the port); next try at {Local(At.AddSeconds(8))}\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Format_NoDaemon_SaysNotRunningAndThatFiguresComeFromTheState()
    {
        string text = StatusCommand.Format(new StatusReport(false, "1.2.3", [CreateCache()], []));

        Assert.StartsWith("nix-watcher: not running (figures from the state directory)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1.2.3", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_DeadLetters_ListsEachWithReasonAndEndsWithTheRetryHint()
    {
        var cache = CreateCache() with
        {
            DeadLetterCount = 2,
            DeadLetters = [new("/nix/store/a", "HTTP 403: no permission", 1, At), new("/nix/store/b", "HTTP 503", 5, At)],
        };

        string[] lines = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], [])).Split('\n');

        Assert.Contains($"  dead: /nix/store/a (attempts: 1, {Local(At)}): HTTP 403: no permission", lines);
        Assert.Contains($"  dead: /nix/store/b (attempts: 5, {Local(At)}): HTTP 503", lines);
        Assert.Equal("Fix the cause, then run 'nix-watcher retry' to push the dead letters again.", lines[^1]);
    }

    [Fact]
    public void Format_MoreDeadLettersThanListed_SaysHowManyMore()
    {
        var cache = CreateCache() with { DeadLetterCount = 130, DeadLetters = [new("/nix/store/a", "refused", 1, At)] };

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], []));

        Assert.Contains("  … and 129 more (see --json)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_NothingWrong_HasNoPauseErrorOrRetryLines()
    {
        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [CreateCache() with { LastSuccess = At }], []));

        Assert.Contains($"  last push:  {Local(At)}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("paused", text, StringComparison.Ordinal);
        Assert.DoesNotContain("last error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("retry", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_OpenCircuitAndLastError_ShowsPauseAndError()
    {
        var cache = CreateCache() with { Circuit = "open", PausedUntil = At.AddMinutes(1), LastError = "HTTP 503", LastErrorAt = At };

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], []));

        Assert.Contains($"  paused after repeated failures until {Local(At.AddMinutes(1))}", text, StringComparison.Ordinal);
        Assert.Contains($"  last error: {Local(At)} HTTP 503", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_RateAndOldestPending_SayHowFastItMovesAndHowLongTheOldestHasWaited()
    {
        var cache = CreateCache() with { PathsPerMinute = 12.4, OldestPending = At, OldestPendingAgeSeconds = 185 };

        string text = StatusCommand.Format(new StatusReport(true, "1.2.3", [cache], []));

        Assert.Contains("\n  rate:       12.4 paths/min over the last 5 min\n", text, StringComparison.Ordinal);
        Assert.Contains($"\n  oldest pending: waiting 3 min 5 s, since {Local(At)}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_NoDaemonNothingPending_HasNoRateOrOldestLine()
    {
        string text = StatusCommand.Format(new StatusReport(false, "1.2.3", [CreateCache()], []));

        Assert.DoesNotContain("rate:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("oldest pending", text, StringComparison.Ordinal);
    }

    private static CacheStatus CreateCache() =>
        new("local", "file", 3, 1, "closed", null, null, null, null, 0, []);

    private static string Local(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
