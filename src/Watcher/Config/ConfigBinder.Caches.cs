using System.Text.RegularExpressions;

namespace Watcher.Config;

/// <summary>The <c>[caches.&lt;name&gt;]</c> half of <see cref="ConfigBinder"/>.</summary>
internal sealed partial class ConfigBinder
{
    private static readonly string[] CommonKeys = [ConfigKeys.Type, ConfigKeys.Jobs, ConfigKeys.SkipSignedBy, ConfigKeys.Retry];
    private static readonly string[] SignedKeys = [ConfigKeys.SigningKeyFile, ConfigKeys.Compression, ConfigKeys.CompressionLevel, ConfigKeys.Retention];

    private static readonly Dictionary<string, string[]> KeysByType = new(StringComparer.Ordinal)
    {
        [ConfigKeys.TypeFile] = [.. CommonKeys, .. SignedKeys, ConfigKeys.Path],
        [ConfigKeys.TypeS3] = [.. CommonKeys, .. SignedKeys, ConfigKeys.Bucket, ConfigKeys.Endpoint, ConfigKeys.Region, ConfigKeys.Profile, ConfigKeys.PartSizeMb, ConfigKeys.MaxUploadRate],
        [ConfigKeys.TypeAttic] = [.. CommonKeys, ConfigKeys.Server, ConfigKeys.Cache, ConfigKeys.Endpoint, ConfigKeys.TokenFile, ConfigKeys.UploadEndpoint, ConfigKeys.SkipUpstreamSigned, ConfigKeys.MaxUploadRate],
    };

    private readonly Dictionary<string, string?> _checkedSigningKeys = new(StringComparer.Ordinal);
    private AtticClientConfig? _atticConfig;

    /// <summary>The <c>local</c> cache of the built-in default config.</summary>
    public FileCacheOptions DefaultLocalCache(int jobs, ConfigPosition? position, RetryOptions? retry = null) => new()
    {
        Name = ConfigKeys.DefaultCacheName,
        Path = _paths.DefaultCacheDirectory,
        Jobs = jobs,
        Retry = retry ?? new RetryOptions(),
        SigningKeyFile = CheckSigningKey(null, ConfigKeys.Caches + "." + ConfigKeys.DefaultCacheName, position, out bool generate),
        GenerateSigningKeyIfMissing = generate,
    };

    private List<CacheOptions> BindCaches(TableReader top, int defaultJobs, RetryOptions defaultRetry)
    {
        if (top.Find(ConfigKeys.Caches) is null)
        {
            return [DefaultLocalCache(defaultJobs, position: null, defaultRetry)];
        }

        TomlNode? caches = top.GetTable(ConfigKeys.Caches);
        if (caches is null)
        {
            return [];
        }

        if (caches.Children.Count == 0)
        {
            _errors.Add(caches, $"'{caches.Path}' defines no cache; remove it to use the default '{ConfigKeys.DefaultCacheName}' cache");
        }

        var result = new List<CacheOptions>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new TableReader(caches, _errors);
        foreach (TomlNode cache in caches.Children)
        {
            reader.Find(cache.Name);
            if (!CacheNameRegex().IsMatch(cache.Name))
            {
                _errors.Add(cache, $"invalid cache name '{cache.Name}' (key '{cache.Path}'): use letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters");
            }
            else if (!names.TryAdd(cache.Name, cache.Name))
            {
                _errors.Add(cache, $"duplicate cache name '{cache.Name}' (key '{cache.Path}'): it differs from '{names[cache.Name]}' only in case");
            }

            if (reader.CheckTable(cache) && BindCache(cache, defaultJobs, defaultRetry) is { } options)
            {
                result.Add(options);
            }
        }

        return result;
    }

    private CacheOptions? BindCache(TomlNode table, int defaultJobs, RetryOptions defaultRetry)
    {
        var reader = new TableReader(table, _errors);
        string? type = reader.GetEnum(ConfigKeys.Type, ConfigKeys.TypeFile, ConfigKeys.TypeS3, ConfigKeys.TypeAttic);
        if (table[ConfigKeys.Type] is null)
        {
            _errors.Add(table, $"missing required key '{table.Path}.{ConfigKeys.Type}' (file | s3 | attic)");
        }

        int jobs = reader.GetInt(ConfigKeys.Jobs, 1, MaxJobs) ?? defaultJobs;
        IReadOnlyList<string> skipSignedBy = [.. (reader.GetStringArray(ConfigKeys.SkipSignedBy) ?? []).Select(item => item.Text)];
        RateSchedule? rate = type is ConfigKeys.TypeS3 or ConfigKeys.TypeAttic ? GetRateSchedule(reader, ConfigKeys.MaxUploadRate) : null;
        var common = new CommonCacheSettings(jobs, skipSignedBy, BindRetry(reader.GetTable(ConfigKeys.Retry), defaultRetry), rate);
        CacheOptions? options = type switch
        {
            ConfigKeys.TypeFile => BindFile(reader, common),
            ConfigKeys.TypeS3 => BindS3(reader, common),
            ConfigKeys.TypeAttic => BindAttic(reader, common),
            _ => null,
        };

        if (type is null)
        {
            // Without a valid type only keys that belong to no type at all are certainly wrong.
            foreach (string key in KeysByType.Values.SelectMany(keys => keys))
            {
                reader.Find(key);
            }
        }

        reader.ReportUnknown(node => KeyOfOtherType(node, type));
        return options;
    }

    private static string? KeyOfOtherType(TomlNode node, string? type)
    {
        string[] owners = [.. KeysByType.Where(pair => pair.Value.Contains(node.Name, StringComparer.Ordinal)).Select(pair => pair.Key)];
        return owners.Length == 0 || type is null
            ? null
            : $"key '{node.Path}' does not apply to caches of type {type} (only to {string.Join(" and ", owners)} caches)";
    }

    private FileCacheOptions? BindFile(TableReader reader, CommonCacheSettings common)
    {
        string? path = GetPath(reader, ConfigKeys.Path);
        (string keyFile, bool generate, CompressionKind compression, int level) = BindSigned(reader);
        RetentionOptions? retention = BindRetention(reader);
        if (path is null)
        {
            RequireKey(reader, ConfigKeys.Path, "a file cache needs the directory to write to");
            return null;
        }

        return new FileCacheOptions
        {
            Name = reader.Table.Name, Jobs = common.Jobs, SkipSignedBy = common.SkipSignedBy, Retry = common.Retry, Path = path,
            SigningKeyFile = keyFile, GenerateSigningKeyIfMissing = generate, Compression = compression, CompressionLevel = level, Retention = retention,
        };
    }

    private S3CacheOptions? BindS3(TableReader reader, CommonCacheSettings common)
    {
        string? bucket = reader.GetString(ConfigKeys.Bucket);
        Uri? endpoint = GetUrl(reader, ConfigKeys.Endpoint);
        string? region = reader.GetString(ConfigKeys.Region);
        string? profile = reader.GetString(ConfigKeys.Profile);
        int partSize = reader.GetInt(ConfigKeys.PartSizeMb, S3CacheOptions.MinPartSizeMb, S3CacheOptions.MaxPartSizeMb) ?? S3CacheOptions.DefaultPartSizeMb;
        (string keyFile, bool generate, CompressionKind compression, int level) = BindSigned(reader);
        RetentionOptions? retention = BindRetention(reader);
        if (string.IsNullOrEmpty(bucket))
        {
            RequireKey(reader, ConfigKeys.Bucket, "an s3 cache needs the bucket name");
            return null;
        }

        return new S3CacheOptions
        {
            Name = reader.Table.Name, Jobs = common.Jobs, SkipSignedBy = common.SkipSignedBy, Retry = common.Retry, MaxUploadRate = common.MaxUploadRate, Bucket = bucket, Endpoint = endpoint,
            Region = region, Profile = profile, PartSizeMb = partSize,
            SigningKeyFile = keyFile, GenerateSigningKeyIfMissing = generate, Compression = compression, CompressionLevel = level, Retention = retention,
        };
    }

    private (string KeyFile, bool Generate, CompressionKind Compression, int Level) BindSigned(TableReader reader)
    {
        TomlNode? keyNode = reader.Find(ConfigKeys.SigningKeyFile);
        string? keyPath = GetSecretPath(reader, ConfigKeys.SigningKeyFile);
        ConfigPosition position = keyNode is null ? reader.Table.Position : TableReader.ValuePosition(keyNode);
        string keyFile = CheckSigningKey(keyNode is null ? null : keyPath ?? string.Empty, reader.Table.Path, position, out bool generate);
        CompressionKind compression = reader.GetEnum(ConfigKeys.Compression, ConfigKeys.CompressionZstd, ConfigKeys.CompressionNone) == ConfigKeys.CompressionNone
            ? CompressionKind.None
            : CompressionKind.Zstd;

        int level = reader.GetInt(ConfigKeys.CompressionLevel, 1, SignedCacheOptions.MaxCompressionLevel) ?? SignedCacheOptions.DefaultCompressionLevel;
        return (keyFile, generate, compression, level);
    }

    /// <summary>
    /// Validates a signing key file. <paramref name="configured"/> is <see langword="null"/> when the key is
    /// not set (the default key), empty when it was set but invalid (already reported).
    /// </summary>
    private string CheckSigningKey(string? configured, string tablePath, ConfigPosition? position, out bool generate)
    {
        string path = configured ?? _paths.DefaultSigningKeyFile;
        generate = path == _paths.DefaultSigningKeyFile;
        if (path.Length == 0 || (generate && !File.Exists(path) && !Directory.Exists(path)))
        {
            return path;
        }

        if (!_checkedSigningKeys.TryGetValue(path, out string? problem))
        {
            problem = SecretFileChecks.CheckSigningKey(path);
            _checkedSigningKeys[path] = problem;
        }

        if (problem is not null)
        {
            _errors.Add(position, $"'{tablePath}.{ConfigKeys.SigningKeyFile}': {problem}");
        }

        return path;
    }

    private void RequireKey(TableReader reader, string key, string why)
    {
        if (reader.Table[key] is null)
        {
            _errors.Add(reader.Table, $"missing required key '{reader.Table.Path}.{key}' ({why})");
        }
    }

    private Uri? GetUrl(TableReader reader, string key)
    {
        string? text = reader.GetString(key);
        if (text is null)
        {
            return null;
        }

        // The URL is not quoted back: a URL with user:password in it would put a secret in the log.
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(key)!), $"'{reader.Table.Path}.{key}' must be an absolute http:// or https:// URL");
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(key)!), $"'{reader.Table.Path}.{key}' must not contain credentials; use a token or key file");
            return null;
        }

        return uri;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CacheNameRegex();
}
