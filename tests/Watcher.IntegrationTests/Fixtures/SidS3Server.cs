using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// An S3 server from the Debian sid root (<see cref="SidRoot"/>), on a free port of 127.0.0.1 with its data in a
/// temporary directory: moto (the S3 mock boto's own tests use) or Ceph's RADOS Gateway in its standalone mode.
/// </summary>
public sealed class SidS3Server : IAsyncDisposable
{
    private const int Attempts = 3;

    /// <summary>How long one <c>radosgw-admin</c> call may take (it needs a tenth of a second).</summary>
    private static readonly TimeSpan RgwAdminTimeout = TimeSpan.FromMinutes(1);

    private readonly StringBuilder _output = new();
    private Process? _process;

    private SidS3Server(string name, string accessKey, string secretKey, (string Outside, string Inside) directory)
    {
        Name = name;
        AccessKey = accessKey;
        SecretKey = secretKey;
        Directory = directory;
    }

    /// <summary>"moto" or "rgw".</summary>
    public string Name { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>What the server printed so far (for a failing test's message).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private (string Outside, string Inside) Directory { get; }

    /// <summary>moto's server: any key pair is accepted, nothing is checked but the request's shape.</summary>
    public static async Task<SidS3Server> StartMotoAsync(CancellationToken cancellationToken)
    {
        var server = new SidS3Server("moto", "moto-access", "moto-secret", SidRoot.NewDirectory("watcher-moto-"));
        return await server.StartOrDisposeAsync(port => Task.FromResult(SidRoot.StartInfo("/usr/bin/python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", Invariant(port)])), cancellationToken);
    }

    /// <summary>
    /// Ceph RGW standalone (no RADOS cluster: the dbstore config store, objects in files through the POSIX driver)
    /// with one user: strict SigV4, Content-MD5 and x-amz-content-sha256 checked on every body, <c>If-None-Match: *</c>
    /// honoured. Its multipart uploads are not to be relied on (see docs/operations.md, "Known server behaviour").
    /// </summary>
    public static async Task<SidS3Server> StartRgwAsync(CancellationToken cancellationToken)
    {
        var server = new SidS3Server("rgw", "WATCHERTESTACCESS01", "watcher-rgw-secret-5f0c2a", SidRoot.NewDirectory("watcher-rgw-"));
        string inside = server.Directory.Inside;
        string config = inside + "/ceph.conf";
        return await server.StartOrDisposeAsync(
            async port =>
            {
                File.WriteAllText(Path.Combine(server.Directory.Outside, "ceph.conf"), $"""
                    [global]
                    auth_cluster_required = none
                    auth_service_required = none
                    auth_client_required = none
                    admin_socket = {inside}/rgw.asok
                    pid_file = {inside}/rgw.pid
                    log_file = {inside}/rgw.log
                    run_dir = {inside}
                    [client]
                    rgw_backend_store = dbstore
                    rgw_config_store = dbstore
                    dbstore_db_dir = {inside}/db
                    dbstore_config_uri = file:{inside}/config.db
                    rgw_frontends = beast endpoint=127.0.0.1:{port}
                    rgw_filter = posix
                    rgw_posix_base_path = {inside}/objects
                    rgw_posix_database_root = {inside}/posix

                    """);
                foreach (string directory in (string[])["db", "objects", "posix"])
                {
                    System.IO.Directory.CreateDirectory(Path.Combine(server.Directory.Outside, directory));
                }

                if (!File.Exists(Path.Combine(server.Directory.Outside, "user")))
                {
                    await CreateRgwUserAsync(config, server.AccessKey, server.SecretKey, cancellationToken);
                    File.WriteAllText(Path.Combine(server.Directory.Outside, "user"), string.Empty);
                }

                return SidRoot.StartInfo("/usr/bin/radosgw", ["-f", "--no-mon-config", "-c", config, "-n", "client.rgw", "--setuser", "root", "--setgroup", "root"]);
            },
            cancellationToken);
    }

    /// <summary>
    /// Creates RGW's one user. <c>radosgw-admin</c> takes a tenth of a second, but once in a loaded run it hung for the
    /// whole process timeout after its last log line; so it gets a minute, and is run again (after a look whether the
    /// user is there already) up to three times.
    /// </summary>
    private static async Task CreateRgwUserAsync(string config, string accessKey, string secretKey, CancellationToken cancellationToken)
    {
        string[] common = ["--no-mon-config", "-c", config, "user"];
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (attempt > 1 && (await SidRoot.RunAsync("/usr/bin/radosgw-admin", [.. common, "info", "--uid=watcher"], cancellationToken, RgwAdminTimeout)).ExitCode == 0)
                {
                    return;
                }

                (await SidRoot.RunAsync("/usr/bin/radosgw-admin", [.. common, "create", "--uid=watcher", "--display-name=watcher", "--access-key=" + accessKey, "--secret=" + secretKey], cancellationToken, RgwAdminTimeout))
                    .EnsureSuccess("radosgw-admin user create");
                return;
            }
            catch (TimeoutException) when (attempt < Attempts)
            {
                // Killed after RgwAdminTimeout: look again.
            }
        }
    }

    /// <summary>An SDK client with the server's keys, for setting up and inspecting buckets.</summary>
    public AmazonS3Client CreateClient() => S3rver.CreateClient(Endpoint, AccessKey, SecretKey);

    /// <summary>
    /// Creates a bucket with a fresh name whose objects anybody may read (real Nix reads it over plain HTTP, unsigned)
    /// and returns the name.
    /// </summary>
    public async Task<string> NewBucketAsync(CancellationToken cancellationToken)
    {
        string bucket = "cache-" + Guid.NewGuid().ToString("N")[..12];
        using var client = CreateClient();
        await client.PutBucketAsync(bucket, cancellationToken);
        await client.PutBucketPolicyAsync(
            new PutBucketPolicyRequest
            {
                BucketName = bucket,
                Policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::{{bucket}}/*"]}]}""",
            },
            cancellationToken);
        return bucket;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory.Outside, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<SidS3Server> StartOrDisposeAsync(Func<int, Task<ProcessStartInfo>> startInfo, CancellationToken cancellationToken)
    {
        try
        {
            await StartAsync(startInfo, cancellationToken);
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on a port nothing listened on a moment ago; another port when it was taken meanwhile.</summary>
    private async Task StartAsync(Func<int, Task<ProcessStartInfo>> startInfo, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = S3rver.ClosedPort();
            var process = new Process { StartInfo = await startInfo(port) };
            process.OutputDataReceived += (_, e) => Collect(e.Data);
            process.ErrorDataReceived += (_, e) => Collect(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            if (await ListensAsync(process, port, cancellationToken))
            {
                Port = port;
                return;
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(cancellationToken);
            process.Dispose();
            _process = null;
            if (attempt == Attempts)
            {
                throw new InvalidOperationException($"{Name} did not listen on 127.0.0.1 after {Attempts} attempts:\n{Output}");
            }
        }
    }

    private static async Task<bool> ListensAsync(Process process, int port, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TestTimeouts.DaemonStart && !process.HasExited)
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return !process.HasExited;
            }
            catch (SocketException)
            {
                // The server process is not listening yet: try again until TestTimeouts.DaemonStart has passed.
                await Task.Delay(50, cancellationToken);
            }
        }

        return false;
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 1 << 16)
            {
                _output.AppendLine(line);
            }
        }
    }
}
