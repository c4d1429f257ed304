using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Watcher.Caches.S3;

/// <summary>
/// The SDK's retry policy cut down to its clock-skew correction: a request the server refuses because its time is too
/// far from the server's (RequestTimeTooSkewed and kin) is signed again with the server's time, once and at once, and
/// that offset is kept for every later request to the endpoint. Every other failure is left to the cache's own policy
/// (<see cref="IRequestPolicy"/>), as with the SDK's retries off.
/// </summary>
internal sealed class ClockSkewRetryPolicy(IClientConfig config, S3ClockSkew skew) : DefaultRetryPolicy(config)
{
    public override bool RetryForException(IExecutionContext executionContext, Exception exception) => false;

    public override Task<bool> RetryForExceptionAsync(IExecutionContext executionContext, Exception exception) => Task.FromResult(false);

    public override bool RetryLimitReached(IExecutionContext executionContext) => executionContext.RequestContext.Retries >= 1;

    public override void WaitBeforeRetry(IExecutionContext executionContext)
    {
    }

    public override Task WaitBeforeRetryAsync(IExecutionContext executionContext) => Task.CompletedTask;

    public override bool OnRetry(IExecutionContext executionContext, bool bypassAcquireCapacity, bool isThrottlingError)
    {
        // Only a clock-skew refusal gets here (every other exception is not retried): the SDK has just set the correction.
        var correction = CorrectClockSkew.GetClockCorrectionForEndpoint(executionContext.RequestContext.Request.Endpoint.ToString());
        skew.Record(-correction);
        return base.OnRetry(executionContext, bypassAcquireCapacity, isThrottlingError);
    }
}
