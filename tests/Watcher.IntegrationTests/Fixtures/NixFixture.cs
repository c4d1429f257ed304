using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// The real Nix on this machine: makes sure a nix-daemon answers on the default socket (starting one,
/// and stopping it afterwards, only when none did) and builds throwaway derivations through it.
/// </summary>
public sealed class NixFixture : IAsyncLifetime
{
    public const string SocketPath = "/nix/var/nix/daemon-socket/socket";

    private Process? _startedDaemon;

    public async ValueTask InitializeAsync()
    {
        if (await AnswersAsync())
        {
            return;
        }

        var psi = new ProcessStartInfo("nix-daemon") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        _startedDaemon = Process.Start(psi) ?? throw new InvalidOperationException("could not start nix-daemon");
        _startedDaemon.BeginErrorReadLine();
        _startedDaemon.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TestTimeouts.DaemonStart)
        {
            if (await AnswersAsync())
            {
                return;
            }

            // The nix-daemon just started opens its socket when it is ready: poll, bounded by TestTimeouts.DaemonStart.
            await Task.Delay(100);
        }

        throw new InvalidOperationException("nix-daemon did not answer on " + SocketPath);
    }

    public ValueTask DisposeAsync()
    {
        if (_startedDaemon is { HasExited: false })
        {
            _startedDaemon.Kill(entireProcessTree: true);
        }

        _startedDaemon?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Builds a set of derivations with references between them and returns their output paths.
    /// Each call uses a fresh nonce, so the paths are new to the store.
    /// </summary>
    /// <param name="count">How many derivations; derivation i references i-1 and i/2 (a DAG, not a chain only).</param>
    /// <param name="cancellationToken">Cancels the build.</param>
    public async Task<IReadOnlyList<string>> BuildChainAsync(int count, CancellationToken cancellationToken)
    {
        string nonce = Guid.NewGuid().ToString("N")[..12];
        var sb = new StringBuilder();
        sb.AppendLine("let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" script ]; PATH = \"/usr/bin:/bin\"; };");
        sb.AppendLine("in let");
        for (int i = 0; i < count; i++)
        {
            string refs = i == 0 ? string.Empty : $"echo ${{p{i - 1}}} > $out/ref1; echo ${{p{i / 2}}} > $out/ref2; ";
            sb.AppendLine($"  p{i} = mk \"wt-{nonce}-{i}\" \"mkdir -p $out/bin; {refs}echo {nonce}-{i} > $out/data; printf '#!/bin/sh\\\\necho {i}\\\\n' > $out/bin/run; chmod +x $out/bin/run; ln -s data $out/link\";");
        }

        // A list, not an attribute set: nix-build prints list outputs in list order.
        sb.AppendLine("in [ " + string.Join(' ', Enumerable.Range(0, count).Select(i => "p" + i)) + " ]");
        return await BuildExpressionAsync(sb.ToString(), cancellationToken);
    }

    /// <summary>Builds a Nix expression (a derivation, list or attribute set) and returns the output paths in nix-build's order.</summary>
    public static async Task<IReadOnlyList<string>> BuildExpressionAsync(string expression, CancellationToken cancellationToken)
    {
        string file = Path.Combine(Path.GetTempPath(), $"watcher-{Guid.NewGuid():N}.nix");
        await File.WriteAllTextAsync(file, expression, cancellationToken);
        try
        {
            var result = await ProcessRunner.RunAsync("nix-build", [file, "--no-out-link", "--option", "substituters", ""], timeout: TestTimeouts.Build, cancellationToken: cancellationToken);
            result.EnsureSuccess("nix-build");
            return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Adds a file or directory to the store (<c>nix-store --add</c>) and returns its path.</summary>
    public static async Task<string> AddToStoreAsync(string path, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("nix-store", ["--add", path], cancellationToken: cancellationToken);
        return result.EnsureSuccess("nix-store --add").StandardOutput.Trim();
    }

    private static async Task<bool> AnswersAsync()
    {
        if (!File.Exists(SocketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
