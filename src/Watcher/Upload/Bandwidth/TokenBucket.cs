namespace Watcher.Upload.Bandwidth;

/// <summary>
/// A token bucket of bytes: it fills at the rate in force up to a small burst, and the bytes of upload bodies take
/// from it before they are written to the socket. Waiters are served first come, first served, so uploads sharing it
/// share the rate. A rate of <see langword="null"/> is no limit: nothing waits and nothing is counted.
/// </summary>
/// <remarks>
/// A request may take more than the bucket holds (the bucket goes into debt, paid back before the next waiter goes):
/// small bodies (narinfos, lookups) are charged without waiting, so they are never stuck behind a NAR, and the NARs
/// make up for them. One timer, for the first waiter, is armed by the call that makes it wait or by a change of rate,
/// so tests on a fake clock can advance it as soon as the call returns.
/// </remarks>
internal sealed class TokenBucket : IDisposable
{
    /// <summary>
    /// The smallest burst: two writes' worth (<see cref="UploadThrottle.ChunkSize"/>), so that what a late timer earned
    /// beyond the write it lets go is kept for the next one instead of being cut off at the brim.
    /// </summary>
    public const int MinBurst = 2 * UploadThrottle.ChunkSize;

    /// <summary>The largest burst: more would let a body go out in a lump the uplink has to queue.</summary>
    public const int MaxBurst = 1 << 20;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly LinkedList<Waiter> _waiters = new();
    private long? _rate;
    private long _published;
    private double _tokens;
    private long _stamp;

    public TokenBucket(TimeProvider time, long? bytesPerSecond = null)
    {
        _time = time;
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _stamp = time.GetTimestamp();
        SetRate(bytesPerSecond);
    }

    /// <summary>The rate in force, in bytes per second; <see langword="null"/> for no limit.</summary>
    public long? Rate => Volatile.Read(ref _published) is > 0 and var rate ? rate : null;

    /// <summary>How many writes wait for tokens now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>
    /// How many bytes the bucket holds when full: a hundredth of a second's worth, within bounds. What an upload sends
    /// at once after an idle spell: small, so that even a short upload averages no more than the rate.
    /// </summary>
    public static double Burst(long bytesPerSecond) => Math.Clamp(bytesPerSecond / 100.0, MinBurst, MaxBurst);

    /// <summary>Changes the rate at once, for the bytes still to come; the waiters are timed again.</summary>
    public void SetRate(long? bytesPerSecond)
    {
        List<Waiter> granted = [];
        lock (_lock)
        {
            Refill();
            // A limit starts empty, so that no upload under it ever averages more than the rate.
            bool wasOff = _rate is null;
            _rate = bytesPerSecond;
            Volatile.Write(ref _published, bytesPerSecond ?? 0);
            _tokens = bytesPerSecond is { } rate && !wasOff ? Math.Min(_tokens, Burst(rate)) : 0;
            Pump(granted);
        }

        Complete(granted);
    }

    /// <summary>Takes <paramref name="bytes"/> from the bucket.</summary>
    /// <param name="bytes">What is about to be written.</param>
    /// <param name="wait">Whether to wait for the tokens (bodies of uploads) or only to charge them (small requests).</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when the bytes may go.</returns>
    public ValueTask AcquireAsync(int bytes, bool wait, CancellationToken cancellationToken)
    {
        if (Rate is null)
        {
            return ValueTask.CompletedTask;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Waiter waiter;
        lock (_lock)
        {
            Refill();
            if (_rate is not { } rate || !wait || (_waiters.Count == 0 && _tokens >= Math.Min(bytes, Burst(rate))))
            {
                _tokens -= _rate is null ? 0 : bytes;
                return ValueTask.CompletedTask;
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
            if (_waiters.Count == 1)
            {
                Arm(rate);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(state => Cancel((Waiter)state!, cancellationToken), waiter);
            if (waiter.Completion.Task.IsCompleted)
            {
                // Let go before the registration existed.
                waiter.Registration.Dispose();
            }
        }

        return new ValueTask(waiter.Completion.Task);
    }

    public void Dispose()
    {
        _timer.Dispose();
        List<Waiter> waiters;
        lock (_lock)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.Registration.Dispose();
            waiter.Completion.TrySetException(new ObjectDisposedException(nameof(TokenBucket)));
        }
    }

    private void OnTimer()
    {
        List<Waiter> granted = [];
        lock (_lock)
        {
            Refill();
            Pump(granted);
        }

        Complete(granted);
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        List<Waiter> granted = [];
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return;
            }

            bool first = _waiters.First == waiter.Node;
            _waiters.Remove(waiter.Node);
            if (first)
            {
                Refill();
                Pump(granted);
            }
        }

        waiter.Completion.TrySetCanceled(cancellationToken);
        Complete(granted);
    }

    /// <summary>Lets go the waiters the tokens cover (all of them without a limit), then times the next. Under the lock.</summary>
    private void Pump(List<Waiter> granted)
    {
        while (_waiters.First is { } first && (_rate is not { } rate || _tokens >= Math.Min(first.Value.Bytes, Burst(rate))))
        {
            _tokens -= _rate is null ? 0 : first.Value.Bytes;
            _waiters.RemoveFirst();
            granted.Add(first.Value);
        }

        if (_rate is { } current && _waiters.Count > 0)
        {
            Arm(current);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Times the first waiter: when the bucket will hold what it needs. Under the lock.</summary>
    private void Arm(long rate)
    {
        double missing = Math.Min(_waiters.First!.Value.Bytes, Burst(rate)) - _tokens;
        var due = TimeSpan.FromSeconds(Math.Max(missing, 0) / rate);
        _timer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Adds what the time since the last refill earned. Under the lock.</summary>
    private void Refill()
    {
        long now = _time.GetTimestamp();
        if (_rate is { } rate)
        {
            _tokens = Math.Min(Burst(rate), _tokens + (_time.GetElapsedTime(_stamp, now).TotalSeconds * rate));
        }

        _stamp = now;
    }

    private static void Complete(List<Waiter> granted)
    {
        foreach (var waiter in granted)
        {
            waiter.Registration.Dispose();
            waiter.Completion.TrySetResult();
        }
    }

    private sealed class Waiter(int bytes)
    {
        public int Bytes { get; } = bytes;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
