namespace Watcher.Config;

/// <summary>The whole of <c>config.toml</c>, validated, with defaults filled in and paths expanded.</summary>
internal sealed class WatcherOptions
{
    /// <summary>The file these options were read from, or <see langword="null"/> for the built-in default.</summary>
    public string? SourceFile { get; init; }

    /// <summary>Where the durable state (pending paths, pushed sets, dead letters) lives (<c>state-dir</c>).</summary>
    /// <value>The default value is <c>$XDG_STATE_HOME/nix-watcher</c> (<c>~/.local/state/nix-watcher</c>): XDG's place for state that survives restarts but is not worth backing up.</value>
    public required string StateDir { get; init; }

    /// <summary>The <c>[watch]</c> table.</summary>
    public WatchOptions Watch { get; init; } = new();

    /// <summary>The <c>[caches.&lt;name&gt;]</c> tables, in file order.</summary>
    /// <value>The default value, when the file has no <c>[caches]</c> (or there is no file), is one
    /// <see cref="FileCacheOptions"/> named <c>local</c>: Watcher should be useful with zero configuration.</value>
    public IReadOnlyList<CacheOptions> Caches { get; init; } = [];

    /// <summary>The limit on the upload rate of all caches together (<c>max-upload-rate</c>): a rate or a timetable.</summary>
    /// <value>The default value is <see cref="RateSchedule.Off"/>: a push goes as fast as the link allows, as before the key existed.</value>
    public RateSchedule MaxUploadRate { get; init; } = RateSchedule.Off;

    /// <summary>The <c>[metrics]</c> table.</summary>
    public MetricsOptions Metrics { get; init; } = new();
}
