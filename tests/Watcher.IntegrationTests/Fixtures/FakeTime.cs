using System.Globalization;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Debian's libfaketime, preloaded into a child process: its wall clock runs off by a fixed offset while its
/// monotonic clock (timeouts, delays) stays true.
/// </summary>
public static class FakeTime
{
    /// <summary>The environment that shifts a child's wall clock by <paramref name="offset"/> (either sign).</summary>
    public static Dictionary<string, string?> Shifted(TimeSpan offset) => new()
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME"] = (offset < TimeSpan.Zero ? "-" : "+") + ((long)Math.Abs(offset.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
    };

    private static string Library =>
        Directory.EnumerateDirectories("/usr/lib")
            .Select(dir => Path.Combine(dir, "faketime", "libfaketime.so.1"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("libfaketime.so.1 not found under /usr/lib/*/faketime: install Debian's faketime (eng/prereqs.sh does)");
}
