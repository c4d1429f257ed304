using System.Text.Json.Serialization;

namespace Watcher.Maintenance;

/// <summary>What <c>gc</c> planned for one cache and, unless a dry run, what it deleted.</summary>
internal sealed record GcCacheReport
{
    public required string Cache { get; init; }

    public required string Where { get; init; }

    public bool DryRun { get; init; }

    public int KeepDays { get; init; }

    public string Grace { get; init; } = string.Empty;

    /// <summary>Narinfos that stay.</summary>
    public int Live { get; init; }

    /// <summary>The plan: dead narinfos.</summary>
    public ObjectCount DeadNarinfos { get; init; } = new(0, 0);

    /// <summary>The plan: NARs that no surviving narinfo names, older than the grace period.</summary>
    public ObjectCount DeadNars { get; init; } = new(0, 0);

    /// <summary>Narinfos deleted (null in a dry run).</summary>
    public ObjectCount? DeletedNarinfos { get; init; }

    /// <summary>NARs deleted (null in a dry run).</summary>
    public ObjectCount? DeletedNars { get; init; }

    /// <summary>Objects left because they changed since the listing (a writer used them).</summary>
    public int KeptChanged { get; init; }

    /// <summary>With the daemon's scheduled collection: how many problems <c>verify</c>'s checks found in the listing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Problems { get; init; }

    public string? Error { get; init; }
}
