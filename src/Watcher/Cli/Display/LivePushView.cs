using System.Globalization;
using Spectre.Console;
using Watcher.Config;
using Watcher.Upload;

namespace Watcher.Cli.Display;

/// <summary>
/// The live display of <c>push</c> and <c>scan</c> on a terminal: a row per cache (paths ended of all, NAR bytes sent
/// of those to send, speed, time left), and under it a row with its own bar for each large NAR going up.
/// Cleared when the push ends, for the summary table to take its place.
/// </summary>
internal sealed class LivePushView
{
    /// <summary>NARs from this size up get a row of their own while they go up.</summary>
    public const long LargeUpload = 8L << 20;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly ProgressContext _context;
    private readonly List<(CacheProgress Cache, ProgressTask Task)> _caches;
    private readonly Dictionary<NarUpload, (CacheProgress Cache, ProgressTask Task)> _uploads = [];

    private LivePushView(ProgressContext context, IReadOnlyList<CacheProgress> caches)
    {
        _context = context;
        _caches = [.. caches.Select(c => (c, context.AddTask(Describe(c), new ProgressTaskSettings { MaxValue = 0 }).IsIndeterminate(true)))];
    }

    /// <summary>Shows the progress of <paramref name="caches"/> on <paramref name="console"/> while <paramref name="work"/> runs.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, IReadOnlyList<CacheProgress> caches, TimeProvider time, Func<Task<T>> work)
    {
        // No refresh thread of Spectre's own: the loop below renders after each update, on the given clock.
        var progress = new Progress(console, time) { AutoClear = true, AutoRefresh = false }.Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn(),
            new PercentageColumn(),
            new DownloadedColumn { Culture = CultureInfo.InvariantCulture },
            new TransferSpeedColumn { Culture = CultureInfo.InvariantCulture },
            new RemainingTimeColumn());
        return progress.StartAsync(async context =>
        {
            var view = new LivePushView(context, caches);
            var running = work();
            while (!running.IsCompleted)
            {
                view.Update();
                await Task.WhenAny(running, Task.Delay(Interval, time, CancellationToken.None));
            }

            view.Update();
            return await running;
        });
    }

    private void Update()
    {
        foreach (var (cache, task) in _caches)
        {
            task.Description = Describe(cache);
            task.IsIndeterminate = !cache.Known && !cache.Ended;
            task.MaxValue = cache.BytesToSend;

            // Bytes move from an upload in flight to the path pushed a moment later: never let the bar go back.
            task.Value = Math.Max(task.Value, cache.Ended ? task.MaxValue : Math.Min(cache.BytesSent, cache.BytesToSend));
            if (cache.Ended && !task.IsFinished)
            {
                task.StopTask();
            }

            UpdateUploads(cache, task);
        }

        _context.Refresh();
    }

    private void UpdateUploads(CacheProgress cache, ProgressTask cacheTask)
    {
        var large = cache.Ended ? [] : cache.Activity.Uploads.Where(u => u.NarSize >= LargeUpload).ToHashSet();
        foreach (var (upload, (_, task)) in _uploads.Where(u => u.Value.Cache == cache && !large.Contains(u.Key)).ToList())
        {
            _context.RemoveTask(task);
            _uploads.Remove(upload);
        }

        foreach (var upload in large)
        {
            if (!_uploads.TryGetValue(upload, out var row))
            {
                row = (cache, _context.AddTaskAfter("  " + Markup.Escape(upload.Path.Name), new ProgressTaskSettings { MaxValue = upload.NarSize }, cacheTask));
                _uploads[upload] = row;
            }

            row.Task.Value = upload.BytesRead;
        }
    }

    private static string Describe(CacheProgress cache)
    {
        string failed = cache.Failed > 0 ? $" [red]{cache.Failed} failed[/]" : string.Empty;
        string limit = cache.RateLimit is { } rate ? $" [dim](limit {UploadRate.Format(rate)})[/]" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"[bold]{Markup.Escape(cache.Name)}[/] {cache.Done}/{cache.Paths} paths{failed}{limit}");
    }
}
