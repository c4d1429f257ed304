namespace Watcher.Core;

/// <summary>What <c>gc</c> deleted from one cache, and what it left because it changed since the listing.</summary>
internal sealed class GcResult
{
    public int DeletedNarInfos { get; set; }

    public long DeletedNarInfoBytes { get; set; }

    public int DeletedNars { get; set; }

    public long DeletedNarBytes { get; set; }

    /// <summary>Objects left in place because their last-modified time moved since the listing (a writer used them).</summary>
    public int KeptChanged { get; set; }

    /// <summary>The store paths whose narinfos were deleted, for the journal.</summary>
    public List<string> DeletedPaths { get; } = [];
}
