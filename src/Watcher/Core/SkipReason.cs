namespace Watcher.Core;

/// <summary>Why a path is not pushed to a cache: the <c>reason</c> label of <c>nix_watcher_paths_skipped_total</c>.</summary>
internal enum SkipReason
{
    /// <summary>The cache has it already (it said so, or the journal knows it pushed it).</summary>
    Present,

    /// <summary>Signed by an upstream key (<c>skip-signed-by</c>, or an Attic cache's upstream keys).</summary>
    Upstream,

    /// <summary>Matched by <c>exclude</c> or <c>skip-derivations</c>, or refers to such a path.</summary>
    Excluded,

    /// <summary>Not valid in the store (a failed build also deletes its lock).</summary>
    Invalid,

    /// <summary>Garbage-collected before it could be pushed.</summary>
    Gc,
}
