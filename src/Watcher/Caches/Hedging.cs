using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;

namespace Watcher.Caches;

/// <summary>
/// One attempt of a repeatable request: when it has no answer after <see cref="Delay"/>, the same request is sent again
/// alongside (counted as a resend), and once more after twice that; the first answer wins. A server that holds a share
/// of requests unanswered then costs a request a fraction of a second, not its whole timeout.
/// </summary>
/// <remarks>
/// The delay follows how fast this cache answers such requests: four times the 90th percentile of the last
/// <see cref="Window"/> answers, between <see cref="MinDelay"/> and <see cref="RetryOptions.HedgeDelay"/> (the latter
/// until <see cref="MinSamples"/> answers were seen). Lookups and small uploads keep separate records, so a slow uplink
/// that takes a second per upload never has its uploads sent twice because lookups come back in milliseconds.
/// </remarks>
internal sealed class Hedging
{
    /// <summary>How many sends one attempt may have in flight: the first and two hedges.</summary>
    public const int MaxSends = 3;

    /// <summary>How many recent answer times the delay is drawn from.</summary>
    public const int Window = 64;

    /// <summary>How many answers must have been seen before the delay follows them.</summary>
    public const int MinSamples = 16;

    /// <summary>The shortest delay: under it a busy but healthy server would be sent most requests twice.</summary>
    public static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(250);

    private const int Factor = 4;

    private readonly TimeSpan _maxDelay;
    private readonly string _cache;
    private readonly WatcherMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly TimeSpan[] _answers = new TimeSpan[Window];
    private int _count;

    /// <param name="maxDelay">The longest delay, and the delay while too few answers were seen.</param>
    /// <param name="cache">The cache's name, for the resend count.</param>
    /// <param name="metrics">Counts each hedge as a resend (reason <c>timeout</c>).</param>
    /// <param name="time">The clock of the delays and answer times.</param>
    public Hedging(TimeSpan maxDelay, string cache, WatcherMetrics metrics, TimeProvider time)
    {
        _maxDelay = maxDelay;
        _cache = cache;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>How long a send waits for its answer before the next one goes out alongside.</summary>
    public TimeSpan Delay
    {
        get
        {
            TimeSpan[] recent;
            lock (_lock)
            {
                if (_count < MinSamples)
                {
                    return _maxDelay;
                }

                recent = _answers[..Math.Min(_count, Window)];
            }

            Array.Sort(recent);
            var delay = recent[(int)Math.Ceiling(recent.Length * 0.9) - 1] * Factor;
            var min = MinDelay < _maxDelay ? MinDelay : _maxDelay;
            return delay < min ? min : delay > _maxDelay ? _maxDelay : delay;
        }
    }

    /// <summary>Records how long a send took to be answered.</summary>
    public void Answered(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _answers[_count % Window] = elapsed;
            _count++;
        }
    }

    /// <summary>Runs one attempt of <paramref name="action"/>, hedged; fails only when every send failed.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var delay = Delay;
        long started = _time.GetTimestamp();
        var sends = new List<(Task<T> Task, CancellationTokenSource Cancel, long Started)>(MaxSends);
        void Send()
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            sends.Add((action(cancel.Token), cancel, _time.GetTimestamp()));
        }

        Send();
        var running = new List<Task<T>>(MaxSends) { sends[0].Task };
        try
        {
            while (true)
            {
                using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var next = sends.Count < MaxSends && !cancellationToken.IsCancellationRequested
                    ? Task.Delay(Max(delay * sends.Count - _time.GetElapsedTime(started), TimeSpan.Zero), _time, waitCancel.Token)
                    : null;
                var done = await Task.WhenAny(next is null ? running : [.. running, next]);
                await waitCancel.CancelAsync();
                if (done == next)
                {
                    if (!next.IsCompletedSuccessfully)
                    {
                        // The attempt was cancelled (or timed out) while waiting: no hedge, the sends end with it.
                        continue;
                    }

                    _metrics.Retried(_cache, FailureReason.Timeout);
                    Send();
                    running.Add(sends[^1].Task);
                    continue;
                }

                var answered = (Task<T>)done;
                running.Remove(answered);
                if (answered.IsCompletedSuccessfully)
                {
                    var send = sends.First(s => s.Task == answered);
                    Answered(_time.GetElapsedTime(send.Started));
                    await ReleaseAsync(sends, answered);
                    return answered.Result;
                }

                if (running.Count == 0)
                {
                    // Every send failed (the first alone, before any hedge, fails the attempt at once): its error counts.
                    return await answered;
                }

                // The others may still answer.
                _ = answered.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        finally
        {
            foreach (var send in sends)
            {
                send.Cancel.Dispose();
            }
        }
    }

    /// <summary>Cancels the sends that lost, observes them, and releases what they still return (a response they may hold).</summary>
    private static async Task ReleaseAsync<T>(List<(Task<T> Task, CancellationTokenSource Cancel, long Started)> sends, Task<T> winner)
    {
        foreach (var (task, cancel, _) in sends.Where(s => s.Task != winner))
        {
            await cancel.CancelAsync();
            _ = task.ContinueWith(static t => t.IsCompletedSuccessfully && t.Result is IDisposable result ? DisposeOf(result) : t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private static Exception? DisposeOf(IDisposable result)
    {
        result.Dispose();
        return null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
