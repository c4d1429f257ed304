using Microsoft.AspNetCore.Http;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Faults an <see cref="S3Front"/> injects, drawn from a seeded random sequence so a run can be replayed: S3's
/// <c>503 SlowDown</c>, connections reset before any answer, requests held unanswered, request bodies cut in
/// half on the way (the server stores what arrives and answers as if all was well), and bodies with a byte changed.
/// </summary>
/// <param name="SlowDown">Share of requests answered 503 SlowDown.</param>
/// <param name="Reset">Share of requests whose connection is dropped.</param>
/// <param name="StallEvery">Every n-th request waits <paramref name="Stall"/> before it is forwarded (0: never).</param>
/// <param name="Stall">How long a stalled request waits.</param>
/// <param name="Seed">The random sequence.</param>
public sealed record S3Faults(double SlowDown, double Reset, int StallEvery, TimeSpan Stall, int Seed = 1)
{
    private const string SlowDownXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>
        """;

    private readonly Random _random = new(Seed);
    private int _held;

    /// <summary>How many requests were held so far.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Share of requests held unanswered for <see cref="Stall"/>, then forwarded (drawn at random, besides <see cref="StallEvery"/>).</summary>
    public double StallShare { get; init; }

    /// <summary>Share of requests with a body (PUT, POST) whose body is cut in half, its Content-Length with it.</summary>
    public double CutShare { get; init; }

    /// <summary>Share of requests with a body whose middle byte is changed on the way, its length kept.</summary>
    public double FlipShare { get; init; }

    /// <summary>Applies the fault drawn for request number <paramref name="request"/>: what the front does with it next.</summary>
    public async Task<S3FaultAction> ApplyAsync(HttpContext context, int request)
    {
        double draw;
        lock (_random)
        {
            draw = _random.NextDouble();
        }

        if ((StallEvery > 0 && request % StallEvery == 0) || draw < StallShare)
        {
            // A stall then forwarding: the client must give up on its own (or wait), never hang.
            Interlocked.Increment(ref _held);
            await Task.Delay(Stall, context.RequestAborted);
            return S3FaultAction.Forward;
        }

        draw -= StallShare;
        if (draw >= 0 && draw < SlowDown)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(SlowDownXml, context.RequestAborted);
            return S3FaultAction.Answered;
        }

        draw -= SlowDown;
        if (draw >= 0 && draw < Reset)
        {
            context.Abort();
            return S3FaultAction.Answered;
        }

        draw -= Reset;
        if (context.Request.ContentLength > 1 && draw >= 0 && draw < CutShare + FlipShare)
        {
            return draw < CutShare ? S3FaultAction.ForwardCut : S3FaultAction.ForwardFlipped;
        }

        return S3FaultAction.Forward;
    }
}
