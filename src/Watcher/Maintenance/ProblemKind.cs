namespace Watcher.Maintenance;

/// <summary>What is wrong with one path of a cache; the JSON name is in <see cref="ProblemKinds"/>.</summary>
internal enum ProblemKind
{
    /// <summary>The narinfo cannot be read or parsed.</summary>
    Unparseable,

    /// <summary>The narinfo's StorePath does not match its key: it is the narinfo of another path.</summary>
    WrongPath,

    /// <summary>No signature on the narinfo verifies with the cache's signing key.</summary>
    BadSignature,

    /// <summary>The NAR object the narinfo names is not in the cache.</summary>
    NarMissing,

    /// <summary>The NAR object's size differs from the narinfo's FileSize.</summary>
    NarSize,

    /// <summary>A reference has no narinfo in the cache.</summary>
    ReferenceMissing,

    /// <summary>The NAR object's SHA-256 differs from the narinfo's FileHash (<c>--deep</c>).</summary>
    FileHash,

    /// <summary>The decompressed NAR's SHA-256 or size differs from NarHash and NarSize (<c>--deep</c>).</summary>
    NarHash,

    /// <summary>The NAR object cannot be decompressed (<c>--deep</c>).</summary>
    NarCorrupt,
}
