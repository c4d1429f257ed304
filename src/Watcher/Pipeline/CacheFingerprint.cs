using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Watcher.Config;

namespace Watcher.Pipeline;

/// <summary>
/// A hash of everything about a cache's configuration that could cure a dead letter: its settings, and the
/// contents of the files holding its secrets (signing key, token, attic's config, AWS credentials). When it
/// changes between starts, that cache's dead letters are tried again; otherwise they stay dead until <c>retry</c>.
/// </summary>
/// <remarks>Only the hash is kept; no secret is stored or logged.</remarks>
internal static class CacheFingerprint
{
    public static string Of(CacheOptions options)
    {
        var text = new StringBuilder();
        Add(text, options.Type, options.Name, string.Join(',', options.SkipSignedBy));
        Add(text, options.Retry.Attempts, options.Retry.BaseDelay, options.Retry.MaxDelay, options.Retry.Timeout, options.Retry.StallTimeout);
        switch (options)
        {
            case FileCacheOptions file:
                Add(text, file.Path, file.Compression, file.CompressionLevel, FileHash(file.SigningKeyFile));
                break;
            case S3CacheOptions s3:
                Add(text, s3.Bucket, s3.Endpoint, s3.Region, s3.Profile, s3.PartSizeMb, s3.Compression, s3.CompressionLevel, FileHash(s3.SigningKeyFile));
                foreach (string file in AwsFiles())
                {
                    Add(text, FileHash(file));
                }

                break;
            case AtticCacheOptions attic:
                Add(text, attic.Server, attic.Cache, attic.Endpoint, attic.UploadEndpoint, attic.SkipUpstreamSigned, FileHash(attic.TokenFile), FileHash(attic.AtticConfigFile));
                break;
            default:
                break;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void Add(StringBuilder text, params object?[] values)
    {
        foreach (object? value in values)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value}\u001f");
        }

        text.Append('\n');
    }

    /// <summary>The SHA-256 of a file's contents, or a marker when it is not there or not readable.</summary>
    private static string FileHash(string? path)
    {
        if (path is null)
        {
            return "-";
        }

        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unreadable";
        }
    }

    /// <summary>The AWS SDK's shared credentials and config files, where the environment or the defaults put them.</summary>
    private static IEnumerable<string> AwsFiles()
    {
        string home = Environment.GetEnvironmentVariable("HOME") ?? string.Empty;
        yield return Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials");
        yield return Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config");
    }
}
