namespace Watcher.IntegrationTests.Fixtures;

/// <summary>Every timeout the integration tests use, in one place.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Process = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DaemonStart = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Build = TimeSpan.FromMinutes(5);
}
