using System.Runtime.InteropServices;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Caches;
using Watcher.Caches.S3;
using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Cli;

/// <summary>
/// Checks, for <c>nix-watcher check</c>, that a cache answers and accepts the credentials without writing
/// anything to it: a <c>file</c> cache by the permissions of its directory, an S3 bucket by reading
/// <c>nix-cache-info</c>, an Attic cache by reading its cache config and asking <c>get-missing-paths</c>
/// about one made-up path (atticd requires the push permission for that query).
/// </summary>
internal static partial class CacheProbe
{
    /// <summary><c>W_OK</c> of access(2).</summary>
    private const int WriteAccess = 2;

    /// <summary>What the user sees for a cache: its type and where it is (never a credential).</summary>
    public static string Describe(CacheOptions options) => options switch
    {
        FileCacheOptions file => $"file {file.Path}",
        S3CacheOptions s3 => $"s3 bucket '{s3.Bucket}' at {S3ClientFactory.DescribeEndpoint(s3)}",
        AtticCacheOptions attic => $"attic cache '{attic.Cache}' at {attic.Endpoint}",
        _ => options.Type,
    };

    /// <summary>Probes one cache.</summary>
    /// <returns>A remark worth showing (e.g. that the directory will be created), or <see langword="null"/>.</returns>
    /// <exception cref="CacheUploadException">The cache cannot be used; the message says why.</exception>
    public static async Task<string?> ProbeAsync(CacheOptions options, IBinaryCache cache, string storeDir, CancellationToken cancellationToken)
    {
        switch (options)
        {
            case FileCacheOptions file:
                return ProbeDirectory(file.Path);
            case S3CacheOptions s3:
                return await ProbeS3Async(s3, cancellationToken);
            default:
                // Attic: InitializeAsync only reads the cache config (and learns the upstream keys the scan report needs).
                await cache.InitializeAsync(cancellationToken);
                if (await cache.LookupAsync([ProbePath(storeDir)], cancellationToken) is { Error: { } error })
                {
                    throw new CacheUploadException(error);
                }

                return null;
        }
    }

    /// <summary>A well-formed store path no cache has: the hash part is all zeros.</summary>
    public static StorePath ProbePath(string storeDir) =>
        StorePath.Parse($"{storeDir.TrimEnd('/')}/{new string('0', 32)}-nix-watcher-check", storeDir);

    /// <summary>The cache directory must be writable, or creatable below its nearest existing ancestor.</summary>
    internal static string? ProbeDirectory(string path)
    {
        if (File.Exists(path))
        {
            throw new CacheUploadException($"{path} is a file, not a directory", FailureReason.Rejected);
        }

        if (Directory.Exists(path))
        {
            return IsWritable(path)
                ? null
                : throw new CacheUploadException($"{path} is not writable by this user", FailureReason.Forbidden);
        }

        string? ancestor = Path.GetDirectoryName(Path.GetFullPath(path));
        while (ancestor is not null && !Directory.Exists(ancestor))
        {
            ancestor = Path.GetDirectoryName(ancestor);
        }

        return ancestor is not null && IsWritable(ancestor)
            ? "does not exist yet; the first push creates it"
            : throw new CacheUploadException($"{path} does not exist and cannot be created: {ancestor ?? "/"} is not writable by this user", FailureReason.Forbidden);
    }

    private static async Task<string?> ProbeS3Async(S3CacheOptions options, CancellationToken cancellationToken)
    {
        using var bucket = OpenBucket(options);
        return await bucket.HasCacheInfoAsync(cancellationToken) ? null : $"no {CacheKeys.CacheInfoKey} yet; the first push writes it";
    }

    /// <summary>The bucket of an S3 cache for probes: each request sent once (the probe bounds its time), nothing journaled.</summary>
    /// <exception cref="CacheUploadException">The client cannot be set up from the options.</exception>
    public static S3Bucket OpenBucket(S3CacheOptions options)
    {
        IAmazonS3 client;
        try
        {
            client = S3ClientFactory.Create(options);
        }
        catch (Exception ex)
        {
            throw new S3Errors(options.Name, options.Bucket, S3ClientFactory.DescribeEndpoint(options)).Wrap(ex, "setting up the S3 client");
        }

        return new S3Bucket(options, client, SingleAttempt.Instance, NoMultipartJournal.Instance, TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>access(2) answers for ACLs and read-only mounts too, which mode bits alone do not show.</summary>
    private static bool IsWritable(string directory) => Access(directory, WriteAccess) == 0;

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Access(string path, int mode);
}
