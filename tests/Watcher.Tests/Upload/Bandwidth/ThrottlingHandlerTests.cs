using System.Net;
using Microsoft.Extensions.Time.Testing;
using Watcher.Config;
using Watcher.Upload.Bandwidth;

namespace Watcher.Tests.Upload.Bandwidth;

public sealed class ThrottlingHandlerTests : IDisposable
{
    private const long Rate = 1 << 20;

    private readonly FakeTimeProvider _time = new();
    private readonly ScheduledLimit _global;
    private readonly ReceivingHandler _server = new();
    private readonly HttpClient _client;

    public ThrottlingHandlerTests()
    {
        _global = new ScheduledLimit(_time, RateSchedule.Constant(Rate));
        _client = new HttpClient(new ThrottlingHandler(_server, new UploadThrottle(null, _global), uri => uri.AbsolutePath.StartsWith("/nar/", StringComparison.Ordinal)));
    }

    public void Dispose()
    {
        _client.Dispose();
        _global.Dispose();
    }

    [Fact]
    public async Task SendAsync_LargeBody_GoesOutAtTheRate()
    {
        long start = _time.GetTimestamp();

        await PumpAsync(Put("/nar/a.nar", 512 << 10));

        double expected = (512 << 10) / (double)Rate;
        Assert.InRange(_time.GetElapsedTime(start).TotalSeconds, expected - 0.01, expected + 0.01);
        Assert.Equal(512 << 10, _server.Received["/nar/a.nar"]);
    }

    [Fact]
    public async Task SendAsync_SmallRequestsWhileABodyWaits_AreNotDelayed()
    {
        var big = Put("/nar/a.nar", 512 << 10);
        await WaitForAsync(() => _global.Bucket.Waiting > 0);

        // Neither a lookup nor a narinfo waits for the NAR's tokens: no time passes on the clock while they go.
        using (var lookup = await _client.GetAsync(new Uri("http://cache/a.narinfo"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        }

        await Put("/a.narinfo", 2048);
        Assert.Equal(2048, _server.Received["/a.narinfo"]);
        Assert.False(big.IsCompleted);

        await PumpAsync(big);
    }

    [Fact]
    public async Task SendAsync_SmallNar_WaitsForItsTokens()
    {
        await PumpAsync(Put("/nar/big.nar", (int)TokenBucket.Burst(Rate) * 2));

        var small = Put("/nar/small.nar", 8 << 10);
        await WaitForAsync(() => _global.Bucket.Waiting > 0 || small.IsCompleted);

        Assert.False(small.IsCompleted);
        await PumpAsync(small);
    }

    [Fact]
    public async Task SendAsync_AutoWhileUploading_ProbesTheServerAndFollowsTheRoundTrips()
    {
        _global.Set(RateSchedule.Auto);
        Assert.Equal(AutoRate.StartRate, _global.Current);

        await PumpAsync(Put("/nar/a.nar", 256 << 10));

        // The upload sent a probe at the server's root; its answer (at once here: no queue) raised the rate.
        string[] requests;
        lock (_server.Requests)
        {
            requests = [.. _server.Requests];
        }

        Assert.Contains("HEAD /", requests);
        Assert.True(_global.Current > AutoRate.StartRate, $"{_global.Current}");
    }

    private Task<HttpResponseMessage> Put(string path, int size) =>
        _client.PutAsync(new Uri("http://cache" + path), new ByteArrayContent(new byte[size]), TestContext.Current.CancellationToken);

    /// <summary>Moves the clock on each time the body waits for tokens (its timer is armed then), until it is sent.</summary>
    private async Task PumpAsync(Task send)
    {
        while (!send.IsCompleted)
        {
            await WaitForAsync(() => _global.Bucket.Waiting > 0 || send.IsCompleted);
            if (!send.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        await send;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Reads each request's body to the end, as a server would, and answers 200.</summary>
    private sealed class ReceivingHandler : HttpMessageHandler
    {
        public Dictionary<string, long> Received { get; } = [];

        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            }

            if (request.Content is { } content)
            {
                using var body = new MemoryStream();
                await content.CopyToAsync(body, cancellationToken);
                lock (Received)
                {
                    Received[request.RequestUri!.AbsolutePath] = body.Length;
                }
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
