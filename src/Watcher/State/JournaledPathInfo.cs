using System.Text.Json;
using Watcher.Nix;

namespace Watcher.State;

/// <summary>
/// The store facts of a pending path as the journal keeps them (the <c>info</c> column): what the planner learnt
/// from the daemon, so the scheduler pushes from it without asking again. References and deriver are base names.
/// </summary>
internal sealed record JournaledPathInfo
{
    public string? Deriver { get; init; }

    /// <summary><c>sha256:</c> and nix32, as in a narinfo.</summary>
    public required string NarHash { get; init; }

    public required long NarSize { get; init; }

    public required IReadOnlyList<string> References { get; init; }

    public long RegistrationTime { get; init; }

    public bool Ultimate { get; init; }

    public IReadOnlyList<string> Signatures { get; init; } = [];

    public string? ContentAddress { get; init; }

    /// <summary>The JSON of <paramref name="info"/>'s facts (its path is the row's key).</summary>
    public static string Serialize(PathInfo info) => JsonSerializer.Serialize(
        new JournaledPathInfo
        {
            Deriver = info.Deriver?.BaseName,
            NarHash = NixHash.ToPrefixedNix32(info.NarHash),
            NarSize = info.NarSize,
            References = [.. info.References.Select(r => r.BaseName)],
            RegistrationTime = info.RegistrationTime,
            Ultimate = info.Ultimate,
            Signatures = info.Signatures,
            ContentAddress = info.ContentAddress,
        },
        JournalJsonContext.Default.JournaledPathInfo);

    /// <summary>The path info of <paramref name="path"/> from its journaled <paramref name="json"/>.</summary>
    /// <exception cref="JsonException">The column does not hold what <see cref="Serialize"/> writes.</exception>
    public static PathInfo Deserialize(StorePath path, string json)
    {
        var stored = JsonSerializer.Deserialize(json, JournalJsonContext.Default.JournaledPathInfo)
            ?? throw new JsonException($"the journal holds no path info for {path}");
        return new PathInfo
        {
            Path = path,
            Deriver = stored.Deriver is null ? null : StorePath.FromBaseName(stored.Deriver, path.StoreDir),
            NarHash = NixHash.ParseSha256(stored.NarHash),
            NarSize = stored.NarSize,
            References = [.. stored.References.Select(r => StorePath.FromBaseName(r, path.StoreDir))],
            RegistrationTime = stored.RegistrationTime,
            Ultimate = stored.Ultimate,
            Signatures = stored.Signatures,
            ContentAddress = stored.ContentAddress,
        };
    }
}
