using Microsoft.AspNetCore.Http;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// A daemon killed in the middle of a multipart upload, and what tells afterwards which parts went where: its set-up
/// (a configuration, its state and TMPDIR), the kill at a held part, the part uploads a front saw, the staged NARs.
/// </summary>
internal static class KilledUploads
{
    /// <summary>
    /// Starts the daemon of <paramref name="config"/>, holds the parts from <paramref name="firstHeld"/> on at the front, and
    /// kills the daemon once one of them is held and <paramref name="bytes"/> went through: the parts before it were sent
    /// and at least one answered (a part starts when another ends). The front forwards everything again afterwards.
    /// </summary>
    internal static async Task KillOnceSentAsync(S3Front front, string config, IDictionary<string, string?> environment, int firstHeld, long bytes, CancellationToken cancellationToken)
    {
        var hold = FrontHold.On(front, r => HttpMethods.IsPut(r.Method) && int.TryParse(r.Query["partNumber"], System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= firstHeld);
        var first = WatcherDaemon.Start(config, environment);
        await first.WaitUntilAsync(() => hold.Arrived.IsCompleted && front.ForwardedBytes >= bytes, $"parts 1 to {firstHeld - 1} sent and part {firstHeld} or later held", cancellationToken);
        first.Kill();
        await first.DisposeAsync();
        front.Answer = null;
    }

    /// <summary>A new store path holding <paramref name="mib"/> MiB of random bytes, for this test alone.</summary>
    internal static async Task<string> RandomPathAsync(int mib, CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("watcher-resume-").FullName;
        try
        {
            string file = Path.Combine(dir, $"random-{mib}mb.bin");
            await File.WriteAllBytesAsync(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(mib << 20), cancellationToken);
            return await NixFixture.AddToStoreAsync(file, cancellationToken);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A daemon configuration for <paramref name="cache"/> that pushes <paramref name="root"/>, its state and TMPDIR in the cache's home.</summary>
    internal static (string Config, string State, string Tmp, IDictionary<string, string?> Environment) DaemonOn(S3TestCache cache, string root, string cacheSettings)
    {
        string state = Path.Combine(cache.Home.Root, "state");
        string tmp = Directory.CreateDirectory(Path.Combine(cache.Home.Root, "tmp")).FullName;
        string config = Path.Combine(cache.Home.Root, "daemon.toml");
        if (!File.Exists(config))
        {
            File.AppendAllText(cache.ConfigFile, $"\n{cacheSettings}\n");
            File.WriteAllText(config, $"""
                state-dir = "{state}"
                [watch]
                scan = "roots"
                roots = ["{root}"]
                [metrics]
                listen = ""

                """ + File.ReadAllText(cache.ConfigFile));
        }

        var environment = cache.Home.Environment;
        environment["TMPDIR"] = tmp;
        return (config, state, tmp, environment);
    }

    /// <summary>The part uploads among <paramref name="requests"/>: their upload id and part number.</summary>
    internal static IEnumerable<(string? UploadId, int Number)> PartPuts(IEnumerable<S3FrontRequest> requests) =>
        requests.Where(r => r.Method == "PUT" && r.Target.Contains("partNumber=", StringComparison.Ordinal))
            .Select(r => (UploadId(r.Target), int.Parse(Query(r.Target)["partNumber"]!, System.Globalization.CultureInfo.InvariantCulture)));

    private static System.Collections.Specialized.NameValueCollection Query(string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        return System.Web.HttpUtility.ParseQueryString(query < 0 ? "" : target[(query + 1)..]);
    }

    internal static string? UploadId(string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? null : System.Web.HttpUtility.ParseQueryString(target[(query + 1)..])["uploadId"];
    }

    internal static List<string> StagedFiles(string stateDir)
    {
        string staging = Path.Combine(stateDir, "staging");
        return Directory.Exists(staging) ? [.. Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)] : [];
    }
}
