using Microsoft.Extensions.Hosting;

namespace Watcher.Tests.Hosting;

/// <summary>A host lifetime that has started already.</summary>
internal sealed class StartedLifetime : IHostApplicationLifetime
{
    public CancellationToken ApplicationStarted { get; } = new(canceled: true);

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication()
    {
    }
}
