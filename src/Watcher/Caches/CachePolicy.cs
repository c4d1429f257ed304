using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;

namespace Watcher.Caches;

/// <summary>
/// One cache's Polly pipeline, the only retry layer: retries with exponential backoff and full jitter
/// (honouring <c>Retry-After</c>) as <see cref="RetryOptions"/> says, a circuit breaker that pauses the cache while it
/// keeps failing, and a timeout per attempt. Every request a cache sends goes through it, each resend is counted
/// in <c>nix_watcher_retries_total</c>.
/// </summary>
/// <remarks>
/// The breaker sits inside the retries, so each attempt counts towards it, and once it opens the remaining
/// retries stop at once: the request fails with <see cref="FailureReason.Paused"/>, the path stays pending in the
/// journal and the scheduler waits for the pause to end instead of spinning.
/// </remarks>
internal sealed partial class CachePolicy : IRequestPolicy
{
    /// <summary>
    /// The breaker opens when at least 80 % of the attempts in the sampling window failed… A cache that is down fails
    /// every attempt; one that stalls or refuses a share of requests is slow, not down, and is better served by retries.
    /// </summary>
    public const double BreakerFailureRatio = 0.8;

    /// <summary>…and at least this many were made: one request retrying against a dead server makes six attempts in about 16 s.</summary>
    public const int BreakerMinimumThroughput = 6;

    /// <summary>Long enough to hold six backed-off attempts of one worker.</summary>
    public static readonly TimeSpan BreakerSamplingDuration = TimeSpan.FromMinutes(1);

    /// <summary>The first pause; it doubles while trial requests keep failing…</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>…up to this.</summary>
    public static readonly TimeSpan MaxBreakDuration = TimeSpan.FromMinutes(5);

    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeoutKey = new("nix-watcher.attempt-timeout");
    private static readonly ResiliencePropertyKey<string> OperationKey = new("nix-watcher.operation");

    private readonly string _cache;
    private readonly RetryOptions _options;
    private readonly IRequestObserver _activity;
    private readonly WatcherMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private readonly ResiliencePipeline _pipeline;
    private readonly Hedging _lookups;
    private readonly Hedging _uploads;

    /// <summary>Builds the pipeline; <paramref name="random"/> (uniform in [0, 1), for the jitter) is fixed in tests.</summary>
    /// <param name="cache">The cache's name, for logs and metrics.</param>
    /// <param name="options">Attempts, delays and timeouts.</param>
    /// <param name="activity">Where the breaker's state and each finished attempt are recorded.</param>
    /// <param name="metrics">Counts retries and breaker openings.</param>
    /// <param name="time">The clock of delays and timeouts.</param>
    /// <param name="logger">Logs retries and breaker changes.</param>
    /// <param name="breaker">False for one-shot commands: a dead cache then fails the command instead of pausing it.</param>
    /// <param name="random">The jitter's source; <see cref="Random.Shared"/> by default.</param>
    public CachePolicy(string cache, RetryOptions options, IRequestObserver activity, WatcherMetrics metrics, TimeProvider time, ILogger logger, bool breaker = true, Func<double>? random = null)
    {
        _cache = cache;
        _options = options;
        _activity = activity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared.NextDouble;
        _pipeline = Build(breaker);
        _lookups = new Hedging(options.HedgeDelay, cache, metrics, time);
        _uploads = new Hedging(options.HedgeDelay, cache, metrics, time);
    }

    public Task<T> RunAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        ExecuteAsync(
            operation,
            kind switch
            {
                RequestKind.Repeatable => ct => _lookups.RunAsync(action, ct),
                RequestKind.RepeatableUpload => ct => _uploads.RunAsync(action, ct),
                _ => action,
            },
            _options.Timeout,
            cancellationToken);

    public Task<T> RunBodyAsync<T>(string operation, Func<Action, CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, ct => UntilStalledAsync(action, ct), attemptTimeout: null, cancellationToken);

    /// <summary>Runs the attempts through the pipeline, and names what finally went wrong.</summary>
    /// <param name="operation">What the request does, for logs.</param>
    /// <param name="action">One attempt.</param>
    /// <param name="attemptTimeout">The pipeline's timeout per attempt; null for bodies, which time out by stalling.</param>
    /// <param name="cancellationToken">Cancels the request and every retry.</param>
    private async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<T>> action, TimeSpan? attemptTimeout, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeoutKey, attemptTimeout ?? System.Threading.Timeout.InfiniteTimeSpan);
        context.Properties.Set(OperationKey, operation);
        var attempt = new Attempt<T>(action, _activity, _time);
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, attempt) => attempt.RunAsync(ctx.CancellationToken), context, attempt);
        }
        catch (BrokenCircuitException ex)
        {
            string until = ex.RetryAfter is { } retryAfter ? $"for another {Math.Ceiling(retryAfter.TotalSeconds)} s" : "for now";
            string last = _activity.LastError is { } error ? $" (last error: {error.Message})" : string.Empty;
            throw Failures.WithAttempts(
                new CacheUploadException($"cache '{_cache}' is paused {until} after repeated failures{last}", FailureReason.Paused, retryAfter: ex.RetryAfter, innerException: ex),
                attempt.Count);
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failures.WithAttempts(
                new CacheUploadException($"cache '{_cache}': {operation}: no answer within {_options.Timeout.TotalSeconds:0.#} s", FailureReason.Timeout, innerException: ex),
                attempt.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failures.WithAttempts(ex, attempt.Count);
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One attempt of a body: cancelled once no progress was reported for <see cref="RetryOptions.StallTimeout"/>.</summary>
    private async Task<T> UntilStalledAsync<T>(Func<Action, CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        using var stalled = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stalled.Token);
        long rearmed = _time.GetTimestamp();
        void Progress()
        {
            // Re-arming a timer on every buffer is wasteful; a tenth of the stall timeout is precise enough.
            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(Interlocked.Read(ref rearmed), now) > _options.StallTimeout / 10)
            {
                Interlocked.Exchange(ref rearmed, now);
                stalled.CancelAfter(_options.StallTimeout);
                _activity.Progressed(_time.GetUtcNow());
            }
        }

        try
        {
            return await action(Progress, linked.Token);
        }
        catch (OperationCanceledException ex) when (stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no byte moved for {_options.StallTimeout.TotalSeconds:0.#} s", ex);
        }
    }

    /// <summary>The pause before retry number <paramref name="retry"/> (0-based) after <paramref name="exception"/>.</summary>
    internal TimeSpan RetryDelay(int retry, Exception? exception)
    {
        if (exception is CacheUploadException { RetryAfter: { } retryAfter })
        {
            return retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter > RetryOptions.MaxRetryAfter ? RetryOptions.MaxRetryAfter : retryAfter;
        }

        // Full jitter: uniform between zero and the exponential ceiling.
        double ceiling = Math.Min(_options.MaxDelay.TotalMilliseconds, _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromMilliseconds(ceiling * _random());
    }

    /// <summary>The pause after the breaker opened for the <paramref name="halfOpenAttempts"/>-th time in a row.</summary>
    internal static TimeSpan BreakDurationAfter(int halfOpenAttempts) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBreakDuration.TotalMilliseconds, BreakDuration.TotalMilliseconds * Math.Pow(2, Math.Min(halfOpenAttempts, 20))));

    private ResiliencePipeline Build(bool breaker)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.Attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && Failures.IsTransient(e)),
                MaxRetryAttempts = _options.Attempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.AttemptNumber, args.Outcome.Exception)),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception!;
                    _metrics.Retried(_cache, Failures.Classify(error));
                    Log.Retrying(_logger, Operation(args.Context), _cache, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, Describe(error));
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (breaker)
        {
            builder.AddCircuitBreaker(BreakerOptions());
        }

        return builder
            .AddTimeout(new TimeoutStrategyOptions
            {
                // Zero or infinite: no timeout (bodies time out by stalling instead).
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(AttemptTimeoutKey, _options.Timeout)),
            })
            .Build();
    }

    private CircuitBreakerStrategyOptions BreakerOptions() => new()
    {
        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && Failures.IsTransient(e)),
        FailureRatio = BreakerFailureRatio,
        MinimumThroughput = BreakerMinimumThroughput,
        SamplingDuration = BreakerSamplingDuration,
        BreakDurationGenerator = args => ValueTask.FromResult(BreakDurationAfter(args.HalfOpenAttempts)),
        OnOpened = args =>
        {
            _activity.CircuitChanged(CircuitState.Open, _time.GetUtcNow() + args.BreakDuration);
            _metrics.CircuitOpened(_cache);
            Log.CircuitOpened(_logger, _cache, args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message ?? "repeated failures");
            return ValueTask.CompletedTask;
        },
        OnHalfOpened = _ =>
        {
            _activity.CircuitChanged(CircuitState.HalfOpen);
            Log.CircuitHalfOpen(_logger, _cache);
            return ValueTask.CompletedTask;
        },
        OnClosed = _ =>
        {
            _activity.CircuitChanged(CircuitState.Closed);
            Log.CircuitClosed(_logger, _cache);
            return ValueTask.CompletedTask;
        },
    };

    private static string Operation(ResilienceContext context) => context.Properties.GetValue(OperationKey, "request");

    private string Describe(Exception error) =>
        error is TimeoutRejectedException ? $"no answer within {_options.Timeout.TotalSeconds:0.#} s" : error.Message;

    /// <summary>
    /// One request's attempts: counts them, and tells the cache's activity each time one ends (the watchdog's progress)
    /// and why one failed (so that a pause names the cause, not the pause before it).
    /// </summary>
    private sealed class Attempt<T>(Func<CancellationToken, Task<T>> action, IRequestObserver activity, TimeProvider time)
    {
        public int Count { get; private set; }

        public async ValueTask<T> RunAsync(CancellationToken cancellationToken)
        {
            Count++;
            try
            {
                return await action(cancellationToken);
            }
            catch (Exception ex) when (Failures.IsTransient(ex))
            {
                activity.Failed(ex.Message, time.GetUtcNow());
                throw;
            }
            finally
            {
                activity.Progressed(time.GetUtcNow());
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, EventName = "Retrying", Level = LogLevel.Warning, Message = "{Operation} on {Cache} failed (try {Attempt}); retrying in {DelaySeconds:0.0} s: {Reason}")]
        public static partial void Retrying(ILogger logger, string operation, string cache, int attempt, double delaySeconds, string reason);

        [LoggerMessage(EventId = 501, EventName = "CircuitOpened", Level = LogLevel.Warning, Message = "{Cache} keeps failing; pausing it for {Seconds:0} s (paths stay pending): {Reason}")]
        public static partial void CircuitOpened(ILogger logger, string cache, double seconds, string reason);

        [LoggerMessage(EventId = 502, EventName = "CircuitHalfOpen", Level = LogLevel.Information, Message = "{Cache}: trying one request to see whether it is back")]
        public static partial void CircuitHalfOpen(ILogger logger, string cache);

        [LoggerMessage(EventId = 503, EventName = "CircuitClosed", Level = LogLevel.Information, Message = "{Cache} is answering again; resuming uploads")]
        public static partial void CircuitClosed(ILogger logger, string cache);
    }
}
