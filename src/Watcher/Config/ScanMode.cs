namespace Watcher.Config;

/// <summary>The value of <c>watch.scan</c>: what the start-up catch-up scan covers.</summary>
internal enum ScanMode
{
    /// <summary>No start-up scan; only paths seen by inotify are pushed.</summary>
    None,

    /// <summary>The closures of <c>watch.roots</c>.</summary>
    Roots,

    /// <summary>Every valid path in the store.</summary>
    All,
}
