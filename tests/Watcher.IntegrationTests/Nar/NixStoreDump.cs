using System.Diagnostics;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nar;

namespace Watcher.IntegrationTests.Nar;

/// <summary>
/// Runs the real <c>nix-store --dump</c> and hands its binary stdout to a consumer as a stream, so big NARs are
/// hashed or parsed as they arrive instead of being captured whole as text.
/// </summary>
internal static class NixStoreDump
{
    public static async Task<T> RunAsync<T>(string path, Func<Stream, CancellationToken, Task<T>> consume, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("nix-store")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--dump");
        psi.ArgumentList.Add(path);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nix-store");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TestTimeouts.Process);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            T result = await consume(process.StandardOutput.BaseStream, cts.Token);
            await process.WaitForExitAsync(cts.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"nix-store --dump {path} exited {process.ExitCode}: {await stderr}");
            }

            return result;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The sha256 and size of the dump, streamed through a hashing sink.</summary>
    public static Task<NarResult> HashAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            path,
            async (stdout, ct) =>
            {
                using var sink = new HashingWriteStream(null);
                await stdout.CopyToAsync(sink, 1024 * 1024, ct);
                return new NarResult(sink.GetCurrentHash(), sink.BytesWritten);
            },
            cancellationToken);

    /// <summary>The whole dump, for small trees whose bytes are compared exactly.</summary>
    public static Task<byte[]> BytesAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(
            path,
            async (stdout, ct) =>
            {
                using var copy = new MemoryStream();
                await stdout.CopyToAsync(copy, ct);
                return copy.ToArray();
            },
            cancellationToken);
}
