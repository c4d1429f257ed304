namespace Watcher.Config;

/// <summary>One <c>[caches.&lt;name&gt;]</c> table; the concrete type follows its <c>type</c> key.</summary>
internal abstract class CacheOptions
{
    /// <summary>The table name (<c>home</c> in <c>[caches.home]</c>), used by <c>push --cache</c> and as the metrics tag.</summary>
    public required string Name { get; init; }

    /// <summary>The <c>type</c> key's value: <c>file</c>, <c>s3</c> or <c>attic</c>.</summary>
    public abstract string Type { get; }

    /// <summary>Upload workers for this cache (<c>jobs</c>).</summary>
    /// <value>The default value is <c>watch.jobs</c>: one knob for the common case, an override for a slow cache.</value>
    public int Jobs { get; init; } = 4;

    /// <summary>Key names whose signatures mark a path as coming from upstream, so it is not pushed (<c>skip-signed-by</c>).</summary>
    /// <value>The default value is empty: nothing is skipped for its signature (attic also applies its cache's own upstream keys).</value>
    public IReadOnlyList<string> SkipSignedBy { get; init; } = [];

    /// <summary>The limit on this cache's upload rate (<c>max-upload-rate</c> in its table), within the top-level one.</summary>
    /// <value>The default value is <see langword="null"/>: only the top-level limit applies. File caches have none (no wire).</value>
    public RateSchedule? MaxUploadRate { get; init; }

    /// <summary>How requests to this cache are sent again: <c>[caches.NAME.retry]</c>, key by key over <c>[retry]</c>.</summary>
    /// <value>The default value is <see cref="RetryOptions"/>'s defaults.</value>
    public RetryOptions Retry { get; init; } = new();
}
