using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// One s3rver process (the npm package pinned in <c>tests/s3rver</c>, started by <c>tests/s3rver/atomic.js</c> so that
/// no request finds an object half written) on 127.0.0.1, storing its buckets in a temporary directory. It can be killed and started again on the same port and directory.
/// </summary>
public sealed partial class S3rver : IAsyncDisposable
{
    /// <summary>s3rver's built-in key pair.</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private Process? _process;

    private static readonly Lazy<string?> LegacyProviderFlag = new(() =>
    {
        using var probe = Process.Start(new ProcessStartInfo("node", ["--openssl-legacy-provider", "-e", ""]) { UseShellExecute = false, RedirectStandardError = true })!;
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0 ? "--openssl-legacy-provider" : null;
    });

    private S3rver(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>The directory holding <c>Watcher.sln</c>, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Watcher.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Watcher.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static async Task<S3rver> StartAsync(CancellationToken cancellationToken)
    {
        var server = new S3rver(System.IO.Directory.CreateTempSubdirectory("watcher-s3rver-").FullName);
        await server.StartAsync(port: 0, cancellationToken);
        return server;
    }

    /// <summary>Starts s3rver again after <see cref="Kill"/>, on the same port and directory.</summary>
    public Task RestartAsync(CancellationToken cancellationToken) => StartAsync(Port, cancellationToken);

    /// <summary>Kills the server at once, like a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>An SDK client with s3rver's keys, for setting up and inspecting buckets.</summary>
    public AmazonS3Client CreateClient() => CreateClient(Endpoint, AccessKey, SecretKey);

    /// <summary>An SDK client for an S3 server on this machine (path-style, plain bodies), for setting up and inspecting buckets.</summary>
    public static AmazonS3Client CreateClient(Uri endpoint, string accessKey, string secretKey) => new(
        new BasicAWSCredentials(accessKey, secretKey),
        new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        using var client = CreateClient();
        await client.PutBucketAsync(bucket, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.Yield();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task StartAsync(int port, CancellationToken cancellationToken)
    {
        // s3rver's own command line, with objects that appear only once whole (as on S3): see the script.
        string script = Path.Combine(RepositoryRoot, "tests", "s3rver", "atomic.js");
        string package = Path.Combine(RepositoryRoot, "tests", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"{package} is missing: run `npm ci --prefix tests/s3rver` (eng/test.sh does)");
        }

        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // s3rver makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and later) keeps in
        // its legacy provider: without it every truncated listing (more than 1,000 keys) answers 500.
        if (LegacyProviderFlag.Value is { } flag)
        {
            psi.ArgumentList.Add(flag);
        }

        foreach (string argument in (string[])[script, "--directory", Directory, "--address", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent"])
        {
            psi.ArgumentList.Add(argument);
        }

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("s3rver exited before it listened"));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Port = await listening.Task.WaitAsync(TestTimeouts.DaemonStart, cancellationToken);
    }

    [GeneratedRegex(@"listening on \S+:(\d+)")]
    private static partial Regex ListeningLine();
}
