using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A reverse proxy in front of an S3 server, like a CDN or nginx in front of self-hosted S3: it answers 413
/// to any request whose body is larger than a limit, keeps the Host header (SigV4 signs it), and can run an
/// action once a number of body bytes went through (to kill the server mid-upload).
/// </summary>
public sealed class S3Front : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "Keep-Alive",
    };

    private const string InternalErrorXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>
        """;

    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly Uri _upstream;
    private readonly long _maxBodyBytes;
    private readonly string? _secretKey;
    private long _forwardedBytes;
    private long _largestBody;
    private int _rejected;
    private Action? _trigger;
    private long _triggerAfter = long.MaxValue;
    private S3Faults? _faults;
    private int _requests;
    private int _injected;

    private S3Front(WebApplication app, Uri upstream, long maxBodyBytes, string? secretKey)
    {
        _secretKey = secretKey;
        _app = app;
        _upstream = upstream;
        _maxBodyBytes = maxBodyBytes;
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
        _client.Timeout = Timeout.InfiniteTimeSpan;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The largest request body forwarded, in bytes.</summary>
    public long LargestBody => Interlocked.Read(ref _largestBody);

    /// <summary>How many requests got 413.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>The request body bytes forwarded so far.</summary>
    public long ForwardedBytes => Interlocked.Read(ref _forwardedBytes);

    /// <param name="upstream">The S3 server.</param>
    /// <param name="maxBodyBytes">Larger request bodies get 413.</param>
    /// <param name="secretKey">When set, requests whose SigV4 signature was not made with this secret get 403 SignatureDoesNotMatch.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<S3Front> StartAsync(Uri upstream, long maxBodyBytes, string? secretKey, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var front = new S3Front(app, upstream, maxBodyBytes, secretKey);
        app.Run(front.HandleAsync);
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        front.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return front;
    }

    /// <summary>Every request, in arrival order: when, the method, the target (path and query) and the body length.</summary>
    public ConcurrentQueue<S3FrontRequest> Log { get; } = new();

    /// <summary>When set, requests it matches are answered 500 InternalError, every time (an object the server keeps refusing).</summary>
    public Func<HttpRequest, bool>? Refuse { get; set; }

    /// <summary>How many faults were injected so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>
    /// Answers requests itself when this returns true, for S3 features the server behind lacks (s3rver has no
    /// lifecycle configuration); null forwards everything.
    /// </summary>
    public Func<HttpContext, Task<bool>>? Answer { get; set; }

    /// <summary>Injects faults into the requests from now on (null stops them).</summary>
    public void InjectFaults(S3Faults? faults) => _faults = faults;

    /// <summary>Runs <paramref name="action"/> once, when <paramref name="bytes"/> more body bytes have gone through.</summary>
    public void OnceForwarded(long bytes, Action action)
    {
        _trigger = action;
        Interlocked.Exchange(ref _triggerAfter, ForwardedBytes + bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Log.Enqueue(new S3FrontRequest(TimeProvider.System.GetUtcNow(), context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget, context.Request.ContentLength, context.Request.Headers.ContainsKey("Content-MD5")));
        if (Refuse is { } refuse && refuse(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(InternalErrorXml, context.RequestAborted);
            return;
        }

        var action = _faults is { } faults ? await faults.ApplyAsync(context, Interlocked.Increment(ref _requests)) : S3FaultAction.Forward;
        if (action != S3FaultAction.Forward)
        {
            Interlocked.Increment(ref _injected);
        }

        if (action == S3FaultAction.Answered)
        {
            return;
        }

        if (Answer is { } answer && await answer(context))
        {
            return;
        }

        long? length = context.Request.ContentLength;
        if (length > _maxBodyBytes)
        {
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        if (_secretKey is not null && !SigV4Check.IsValid(context.Request, _secretKey))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(SigV4Check.SignatureDoesNotMatchXml, context.RequestAborted);
            return;
        }

        long seen;
        while ((seen = Interlocked.Read(ref _largestBody)) < (length ?? 0) && Interlocked.CompareExchange(ref _largestBody, length!.Value, seen) != seen)
        {
        }

        string target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_upstream, target));
        request.Headers.Host = context.Request.Host.Value;
        if (length is not null)
        {
            long forwarded = action == S3FaultAction.ForwardCut ? length.Value / 2 : length.Value;
            long flipAt = action == S3FaultAction.ForwardFlipped ? length.Value / 2 : -1;
            request.Content = new StreamContent(new CountingStream(context.Request.Body, this, forwarded, flipAt));
            request.Content.Headers.ContentLength = forwarded;
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopHeaders.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The server is gone: drop a request mid-body like a dying proxy would, answer 502 otherwise.
            if (length > 0)
            {
                context.Abort();
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
            }

            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopHeaders.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private void Count(int bytes)
    {
        long total = Interlocked.Add(ref _forwardedBytes, bytes);
        if (total >= Interlocked.Read(ref _triggerAfter) && Interlocked.Exchange(ref _trigger, null) is { } trigger)
        {
            trigger();
        }
    }

    /// <summary>A read-only pass-through that reports how many bytes went through.</summary>
    /// <summary>
    /// The request body as forwarded: at most <c>limit</c> bytes of it (the rest is read and dropped), counted, the byte
    /// at <c>flipAt</c> (unless negative) inverted.
    /// </summary>
    private sealed class CountingStream(Stream inner, S3Front front, long limit, long flipAt) : Watcher.Caches.ReadOnlyStream
    {
        private long _left = limit;
        private long _position;

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_left <= 0)
            {
                // A cut body: drain what the client still sends so it sees its request through, forward none of it.
                await inner.CopyToAsync(Null, cancellationToken);
                return 0;
            }

            int read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken);
            if (flipAt >= _position && flipAt < _position + read)
            {
                buffer.Span[(int)(flipAt - _position)] ^= 0xFF;
            }

            _position += read;
            _left -= read;
            front.Count(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
