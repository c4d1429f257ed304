using System.Collections.Concurrent;
using System.Globalization;

namespace Watcher.Caches.S3;

/// <summary>
/// How far this machine's clock is off an S3 server's, as learnt from the server refusing a request's time: per
/// endpoint, for the process (the SDK keeps the correction so too), and announced to whoever listens (the cache logs it).
/// </summary>
internal sealed class S3ClockSkew(string endpoint)
{
    private static readonly ConcurrentDictionary<string, TimeSpan> Offsets = new(StringComparer.Ordinal);

    /// <summary>Raised with this machine's time minus the server's each time the server refused a request's time.</summary>
    public event Action<TimeSpan>? Corrected;

    /// <summary>This machine's time minus the server's at <paramref name="endpoint"/> (as S3ClientFactory.DescribeEndpoint names it), if a server refused it.</summary>
    public static TimeSpan? OffsetOf(string endpoint) => Offsets.TryGetValue(endpoint, out var offset) ? offset : null;

    /// <summary>"this machine's clock is 86400 s off the server's (ahead of it)".</summary>
    public static string Describe(TimeSpan offset) => string.Create(
        CultureInfo.InvariantCulture,
        $"this machine's clock is {Math.Abs(Math.Round(offset.TotalSeconds)):0} s off the server's ({(offset > TimeSpan.Zero ? "ahead of" : "behind")} it)");

    public void Record(TimeSpan offset)
    {
        Offsets[endpoint] = offset;
        Corrected?.Invoke(offset);
    }
}
