namespace Watcher.IntegrationTests.Fixtures;

/// <summary>Every timeout the integration tests use, in one place.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Process = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DaemonStart = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Build = TimeSpan.FromMinutes(5);

    /// <summary>How long a running daemon may take to push what a test built.</summary>
    public static readonly TimeSpan DaemonWork = TimeSpan.FromMinutes(3);

    /// <summary>How long a Prometheus scraping every second may take to show what the daemon counted.</summary>
    public static readonly TimeSpan Scrape = TimeSpan.FromMinutes(1);

    /// <summary>SIGTERM to exit: the drain budget (45 s) plus margin.</summary>
    public static readonly TimeSpan DaemonStop = TimeSpan.FromSeconds(70);
}
