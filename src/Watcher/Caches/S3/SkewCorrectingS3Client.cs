using Amazon.Runtime.Internal;
using Amazon.S3;

namespace Watcher.Caches.S3;

/// <summary>An <see cref="AmazonS3Client"/> whose only retry is the SDK's clock-skew correction (<see cref="ClockSkewRetryPolicy"/>).</summary>
internal sealed class SkewCorrectingS3Client(AmazonS3Config config, S3ClockSkew skew) : AmazonS3Client(config)
{
    private readonly S3ClockSkew _skew = skew;

    /// <summary>What this client learns of the server's clock.</summary>
    public S3ClockSkew ClockSkew => _skew;

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        base.CustomizeRuntimePipeline(pipeline);
        pipeline.ReplaceHandler<RetryHandler>(new RetryHandler(new ClockSkewRetryPolicy(Config, _skew)));
    }
}
