using System.Globalization;
using System.Text.RegularExpressions;
using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>
/// Turns the key tree of one config file into <see cref="WatcherOptions"/>: applies defaults, expands
/// paths and reports every problem to <see cref="ConfigErrors"/> before failing.
/// </summary>
internal sealed partial class ConfigBinder
{
    private const int MaxJobs = 1024;
    private const int MaxBatchMs = 600_000;

    private readonly ConfigPaths _paths;
    private readonly ConfigErrors _errors;
    private readonly string _baseDirectory;

    public ConfigBinder(ConfigPaths paths, ConfigErrors errors, string baseDirectory)
    {
        _paths = paths;
        _errors = errors;
        _baseDirectory = baseDirectory;
    }

    public WatcherOptions Bind(TomlNode root, string file)
    {
        var top = new TableReader(root, _errors);
        string? stateDir = GetPath(top, ConfigKeys.StateDir);
        WatchOptions watch = BindWatch(top.GetTable(ConfigKeys.Watch));
        MetricsOptions metrics = BindMetrics(top.GetTable(ConfigKeys.Metrics));
        RetryOptions retry = BindRetry(top.GetTable(ConfigKeys.Retry), new RetryOptions());
        RateSchedule? maxUploadRate = GetRateSchedule(top, ConfigKeys.MaxUploadRate);
        List<CacheOptions> caches = BindCaches(top, watch.Jobs, retry);
        top.ReportUnknown();
        _errors.ThrowIfAny();

        return new WatcherOptions
        {
            SourceFile = file,
            StateDir = stateDir ?? _paths.DefaultStateDirectory,
            Watch = watch,
            Caches = caches,
            Metrics = metrics,
            MaxUploadRate = maxUploadRate ?? RateSchedule.Off,
        };
    }

    public IReadOnlyList<string> DefaultRoots() =>
        [.. WatchOptions.DefaultRoots.Select(root => _paths.Expand(root, _baseDirectory))];

    private WatchOptions BindWatch(TomlNode? table)
    {
        var defaults = new WatchOptions();
        if (table is null)
        {
            return new WatchOptions { Roots = DefaultRoots() };
        }

        var reader = new TableReader(table, _errors);
        string? storeDir = reader.GetString(ConfigKeys.StoreDir);
        if (storeDir is not null && !Path.IsPathFullyQualified(storeDir))
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(ConfigKeys.StoreDir)!), $"'{table.Path}.{ConfigKeys.StoreDir}' must be an absolute path, not '{storeDir}'");
            storeDir = null;
        }

        ScanMode? scan = reader.GetEnum(ConfigKeys.Scan, ConfigKeys.ScanNone, ConfigKeys.ScanRoots, ConfigKeys.ScanAll) switch
        {
            ConfigKeys.ScanNone => ScanMode.None,
            ConfigKeys.ScanRoots => ScanMode.Roots,
            ConfigKeys.ScanAll => ScanMode.All,
            _ => null,
        };
        IReadOnlyList<string>? roots = GetPathArray(reader, ConfigKeys.Roots);
        bool? skipDerivations = reader.GetBoolean(ConfigKeys.SkipDerivations);
        IReadOnlyList<Regex>? exclude = GetRegexArray(reader, ConfigKeys.Exclude);
        int? jobs = reader.GetInt(ConfigKeys.Jobs, 1, MaxJobs);
        int? quietMs = reader.GetInt(ConfigKeys.BatchQuietMs, 1, MaxBatchMs);
        int? maxMs = reader.GetInt(ConfigKeys.BatchMaxMs, 1, MaxBatchMs);
        TimeSpan quiet = quietMs is { } q ? TimeSpan.FromMilliseconds(q) : defaults.BatchQuiet;
        TimeSpan max = maxMs is { } m ? TimeSpan.FromMilliseconds(m) : defaults.BatchMax;
        if (max < quiet && (quietMs is not null || maxMs is not null))
        {
            TomlNode at = reader.Find(ConfigKeys.BatchMaxMs) ?? reader.Find(ConfigKeys.BatchQuietMs)!;
            _errors.Add(TableReader.ValuePosition(at), $"'{table.Path}.{ConfigKeys.BatchMaxMs}' ({max.TotalMilliseconds}) must be ≥ '{table.Path}.{ConfigKeys.BatchQuietMs}' ({quiet.TotalMilliseconds})");
        }

        reader.ReportUnknown();
        return new WatchOptions
        {
            StoreDir = storeDir is null ? defaults.StoreDir : Path.TrimEndingDirectorySeparator(storeDir),
            Scan = scan ?? defaults.Scan,
            Roots = roots ?? DefaultRoots(),
            SkipDerivations = skipDerivations ?? defaults.SkipDerivations,
            Exclude = exclude ?? defaults.Exclude,
            Jobs = jobs ?? defaults.Jobs,
            BatchQuiet = quiet,
            BatchMax = max,
        };
    }

    private MetricsOptions BindMetrics(TomlNode? table)
    {
        if (table is null)
        {
            return new MetricsOptions();
        }

        var reader = new TableReader(table, _errors);
        string? listen = reader.GetString(ConfigKeys.Listen);
        if (listen is { Length: > 0 } && !IsHostPort(listen))
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(ConfigKeys.Listen)!), $"'{table.Path}.{ConfigKeys.Listen}' must be \"host:port\" (e.g. \"127.0.0.1:9464\") or \"\" to disable, not '{listen}'");
            listen = null;
        }

        reader.ReportUnknown();
        return listen is null ? new MetricsOptions() : new MetricsOptions { Listen = listen };
    }

    private static bool IsHostPort(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        string host = value[..colon];
        bool hostOk = host.StartsWith('[')
            ? host.EndsWith(']') && host.Length > 2
            : !host.Contains(':', StringComparison.Ordinal) && Uri.CheckHostName(host) != UriHostNameType.Unknown;
        return hostOk
            && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            && port is >= 0 and <= 65535;
    }

    /// <summary>Reads a path key, expanding <c>~</c>; an empty string is an error.</summary>
    private string? GetPath(TableReader reader, string key)
    {
        string? value = reader.GetString(key);
        if (value is null)
        {
            return null;
        }

        if (value.Length == 0)
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(key)!), $"'{reader.Table.Path}{(reader.Table.Path.Length == 0 ? "" : ".")}{key}' must not be empty");
            return null;
        }

        return _paths.Expand(value, _baseDirectory);
    }

    /// <summary>Like <see cref="GetPath"/>, for keys naming a secret's file: a pasted secret is refused unquoted.</summary>
    private string? GetSecretPath(TableReader reader, string key)
    {
        if (reader.Find(key) is { Value: StringValueSyntax { Value: { } raw } } node
            && SecretFileChecks.LooksLikeInlineSecret(raw)
            && !File.Exists(_paths.Expand(raw, _baseDirectory)))
        {
            _errors.Add(TableReader.ValuePosition(node), $"'{node.Path}' must be the path of a file holding the secret, not the secret itself (the value is not shown)");
            return null;
        }

        return GetPath(reader, key);
    }

    private List<string>? GetPathArray(TableReader reader, string key)
    {
        var items = reader.GetStringArray(key);
        if (items is null)
        {
            return null;
        }

        List<string> paths = [];
        foreach ((string text, ConfigPosition position) in items)
        {
            if (text.Length == 0)
            {
                _errors.Add(position, $"'{reader.Table.Path}.{key}' must not contain an empty path");
                continue;
            }

            paths.Add(_paths.Expand(text, _baseDirectory));
        }

        return paths;
    }

    private List<Regex>? GetRegexArray(TableReader reader, string key)
    {
        var items = reader.GetStringArray(key);
        if (items is null)
        {
            return null;
        }

        List<Regex> regexes = [];
        foreach ((string text, ConfigPosition position) in items)
        {
            try
            {
                regexes.Add(new Regex(text, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant));
            }
            catch (ArgumentException ex)
            {
                _errors.Add(position, $"'{reader.Table.Path}.{key}' has an invalid regex '{text}': {ex.Message}");
            }
            catch (NotSupportedException)
            {
                _errors.Add(position, $"'{reader.Table.Path}.{key}' regex '{text}' uses look-arounds, back-references or atomic groups, which the non-backtracking engine rejects");
            }
        }

        return regexes;
    }
}
