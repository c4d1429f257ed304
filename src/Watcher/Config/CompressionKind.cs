namespace Watcher.Config;

/// <summary>The value of <c>caches.&lt;name&gt;.compression</c> for caches whose NARs Watcher writes itself.</summary>
internal enum CompressionKind
{
    /// <summary>NARs are stored as they are (<c>nar/&lt;hash&gt;.nar</c>).</summary>
    None,

    /// <summary>NARs are zstd-compressed (<c>nar/&lt;hash&gt;.nar.zst</c>).</summary>
    Zstd,
}
