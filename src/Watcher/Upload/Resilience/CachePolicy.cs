using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Watcher.Metrics;

namespace Watcher.Upload.Resilience;

/// <summary>
/// One cache's Polly pipeline: a total budget per request, retries with exponential backoff and full
/// jitter (honouring <c>Retry-After</c>), a circuit breaker that pauses the cache while it keeps failing,
/// and a timeout per attempt. Every request to the cache goes through it.
/// </summary>
/// <remarks>
/// The breaker sits inside the retries, so each attempt counts towards it, and once it opens the
/// remaining retries stop at once (<see cref="BrokenCircuitException"/> is not retried): the path stays
/// pending in the journal and the scheduler waits for the pause to end instead of spinning.
/// </remarks>
internal sealed partial class CachePolicy
{
    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeoutKey = new("nix-watcher.attempt-timeout");
    private static readonly ResiliencePropertyKey<string> OperationKey = new("nix-watcher.operation");
    private static readonly ResiliencePropertyKey<bool> OnceKey = new("nix-watcher.once");

    private readonly string _cache;
    private readonly ResilienceOptions _options;
    private readonly CacheActivity _activity;
    private readonly WatcherMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Builds the pipeline; <paramref name="random"/> (uniform in [0, 1), for the jitter) is fixed in tests.</summary>
    public CachePolicy(string cache, ResilienceOptions options, CacheActivity activity, WatcherMetrics metrics, TimeProvider time, ILogger logger, Func<double>? random = null)
    {
        _cache = cache;
        _options = options;
        _activity = activity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared.NextDouble;
        _pipeline = Build();
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (named for logs) with retries, or with <paramref name="once"/> a single
    /// attempt (still behind the breaker); each attempt gets <paramref name="attemptTimeout"/>.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string operation, TimeSpan attemptTimeout, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool once = false)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeoutKey, attemptTimeout);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(OnceKey, once);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, action) => await action(ctx.CancellationToken), context, action);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The pause before retry number <paramref name="attempt"/> (0-based) after <paramref name="exception"/>.</summary>
    internal TimeSpan RetryDelay(int attempt, Exception? exception)
    {
        if (exception is CacheUploadException { RetryAfter: { } retryAfter })
        {
            return retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter > _options.MaxRetryAfter ? _options.MaxRetryAfter : retryAfter;
        }

        // Full jitter: uniform between zero and the exponential ceiling.
        double ceiling = Math.Min(_options.MaxDelay.TotalMilliseconds, _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(ceiling * _random());
    }

    /// <summary>The pause after the breaker opened for the <paramref name="halfOpenAttempts"/>-th time in a row.</summary>
    internal TimeSpan BreakDuration(int halfOpenAttempts) =>
        TimeSpan.FromMilliseconds(Math.Min(_options.MaxBreakDuration.TotalMilliseconds, _options.BreakDuration.TotalMilliseconds * Math.Pow(2, Math.Min(halfOpenAttempts, 20))));

    private ResiliencePipeline Build() => new ResiliencePipelineBuilder { TimeProvider = _time }
        .AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(AttemptTimeout(args.Context) * _options.BudgetInAttempts),
        })
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && FailureReasons.IsTransient(e) && !args.Context.Properties.GetValue(OnceKey, false)),
            MaxRetryAttempts = _options.MaxRetries,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.AttemptNumber, args.Outcome.Exception)),
            OnRetry = args =>
            {
                var error = args.Outcome.Exception!;
                string reason = FailureReasons.Of(error);
                _metrics.Retried(_cache, reason);
                Log.Retrying(_logger, Operation(args.Context), _cache, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, error.Message);
                return ValueTask.CompletedTask;
            },
        })
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && FailureReasons.IsTransient(e)),
            FailureRatio = _options.BreakerFailureRatio,
            MinimumThroughput = _options.BreakerMinimumThroughput,
            SamplingDuration = _options.BreakerSamplingDuration,
            BreakDurationGenerator = args => ValueTask.FromResult(BreakDuration(args.HalfOpenAttempts)),
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
        })
        .AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(AttemptTimeout(args.Context)),
        })
        .Build();

    private TimeSpan AttemptTimeout(ResilienceContext context) =>
        context.Properties.GetValue(AttemptTimeoutKey, _options.RequestTimeout);

    private static string Operation(ResilienceContext context) => context.Properties.GetValue(OperationKey, "request");

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
