using Polly;
using Polly.Hedging;
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
/// <para>
/// The delay follows how fast this cache answers such requests: four times the 90th percentile of the last
/// <see cref="Window"/> answers, between <see cref="MinDelay"/> and <see cref="RetryOptions.HedgeDelay"/> (the latter
/// until <see cref="MinSamples"/> answers were seen). Lookups and small uploads keep separate records, so a slow uplink
/// that takes a second per upload never has its uploads sent twice because lookups come back in milliseconds.
/// </para>
/// <para>
/// The sends are Polly's hedging strategy: it starts them, cancels the ones that lost and waits for them to end, and
/// disposes of what they still returned (a response they may hold). The delay, taken once per attempt, is its delay
/// generator. Two rules are ours: a failed send ends the attempt only when no other send is in flight (the first alone,
/// before any hedge, fails it at once, and the retries' backoff takes over); and a failure never brings a hedge forward
/// (Polly starts the next one at once when a failure is handled), so each hedge goes out on its time or not at all.
/// </para>
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

    private static readonly ResiliencePropertyKey<Sends?> SendsKey = new("nix-watcher.hedge-sends");
    private static readonly ResiliencePropertyKey<TimeSpan> AnsweredInKey = new("nix-watcher.answered-in");

    private readonly TimeSpan _maxDelay;
    private readonly string _cache;
    private readonly WatcherMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<object?> _pipeline;
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
        // Polly hedges only typed pipelines; one over object serves every kind of answer.
        _pipeline = new ResiliencePipelineBuilder<object?> { TimeProvider = time }
            .AddHedging(new HedgingStrategyOptions<object?>
            {
                MaxHedgedAttempts = MaxSends - 1,
                DelayGenerator = args => ValueTask.FromResult(SendsOf(args.Context).Until(args.AttemptNumber)),

                // A handled failure leaves the others to answer; one that is not (no other send in flight) ends the attempt.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && SendsOf(args.Context).InFlight > 0),
                ActionGenerator = args => () => HedgeAsync(args),
            })
            .Build();
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
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SendsKey, new Sends(Delay, _time));
        try
        {
            var result = await _pipeline.ExecuteAsync(static (ctx, state) => state.Owner.SendAsync(ctx, state.Action), context, (Owner: this, Action: action));

            // Polly hands the winning send's properties back to the attempt's context.
            if (context.Properties.TryGetValue(AnsweredInKey, out var answeredIn))
            {
                Answered(answeredIn);
            }

            return (T)result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static Sends SendsOf(ResilienceContext context) =>
        context.Properties.GetValue(SendsKey, null) ?? throw new InvalidOperationException("a hedged send without its attempt");

    /// <summary>One send, the first or a hedge: counted in flight while it runs, its answer time kept with it.</summary>
    private async ValueTask<object?> SendAsync<T>(ResilienceContext context, Func<CancellationToken, Task<T>> action)
    {
        var sends = SendsOf(context);
        long started = _time.GetTimestamp();
        sends.Started();
        try
        {
            var result = await action(context.CancellationToken);
            context.Properties.Set(AnsweredInKey, _time.GetElapsedTime(started));
            return result;
        }
        finally
        {
            sends.Ended();
        }
    }

    /// <summary>A hedge: goes out on its time even when Polly starts it early (after a failed send), and is counted then.</summary>
    private async ValueTask<Outcome<object?>> HedgeAsync(HedgingActionGeneratorArguments<object?> args)
    {
        var wait = SendsOf(args.PrimaryContext).Until(args.AttemptNumber);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, args.ActionContext.CancellationToken);
        }

        _metrics.Retried(_cache, FailureReason.Timeout);
        return await args.Callback(args.ActionContext);
    }

    /// <summary>The sends of one attempt: when the first went out, the delay it was given, how many are in flight.</summary>
    private sealed class Sends(TimeSpan delay, TimeProvider time)
    {
        private readonly long _first = time.GetTimestamp();
        private int _inFlight;

        public int InFlight => Volatile.Read(ref _inFlight);

        public void Started() => Interlocked.Increment(ref _inFlight);

        public void Ended() => Interlocked.Decrement(ref _inFlight);

        /// <summary>How long until hedge number <paramref name="hedge"/> is due (<paramref name="hedge"/> delays after the first send); never negative, which Polly would read as "wait for the send to end".</summary>
        public TimeSpan Until(int hedge)
        {
            var wait = (delay * hedge) - time.GetElapsedTime(_first);
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
    }
}
