using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>Reads the Nix-specific wire types: store paths, path infos and the trusted flag.</summary>
internal sealed partial class WireReader
{
    public async ValueTask<StorePath> ReadStorePathAsync(CancellationToken cancellationToken)
    {
        string text = await ReadStringAsync(cancellationToken);
        return ParseStorePath(text);
    }

    /// <summary>Reads an optional store path, where the empty string means none.</summary>
    public async ValueTask<StorePath?> ReadOptionalStorePathAsync(CancellationToken cancellationToken)
    {
        string text = await ReadStringAsync(cancellationToken);
        return text.Length == 0 ? null : ParseStorePath(text);
    }

    public async ValueTask<List<StorePath>> ReadStorePathsAsync(CancellationToken cancellationToken)
    {
        int count = await ReadCountAsync(cancellationToken);
        var paths = new List<StorePath>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            paths.Add(await ReadStorePathAsync(cancellationToken));
        }

        return paths;
    }

    /// <summary>Reads the optional trusted flag (≥ 1.35): 0 unknown (null), 1 trusted, 2 not trusted.</summary>
    public async ValueTask<bool?> ReadOptionalTrustedFlagAsync(CancellationToken cancellationToken)
    {
        ulong value = await ReadUInt64Async("the trusted flag", cancellationToken);
        return value switch
        {
            0 => null,
            1 => true,
            2 => false,
            _ => throw new NixProtocolException($"unexpected trusted flag: expected 0, 1 or 2, got {value}"),
        };
    }

    /// <summary>Reads a ValidPathInfo: the store path followed by the unkeyed fields.</summary>
    public async ValueTask<PathInfo> ReadValidPathInfoAsync(int version, CancellationToken cancellationToken)
    {
        var path = await ReadStorePathAsync(cancellationToken);
        return await ReadUnkeyedValidPathInfoAsync(path, version, cancellationToken);
    }

    /// <summary>
    /// Reads an UnkeyedValidPathInfo (the QueryPathInfo reply body) for <paramref name="path"/>.
    /// <c>ultimate</c>, the signatures and the content address exist only at ≥ 1.16.
    /// </summary>
    public async ValueTask<PathInfo> ReadUnkeyedValidPathInfoAsync(StorePath path, int version, CancellationToken cancellationToken)
    {
        var deriver = await ReadOptionalStorePathAsync(cancellationToken);
        string narHashText = await ReadStringAsync(cancellationToken);
        byte[]? narHash = null;
        if (narHashText.Length != 64 || !NixHash.TryParseSha256(narHashText, out narHash))
        {
            WireThrowHelper.ThrowInvalidHash(narHashText);
        }

        var references = await ReadStorePathsAsync(cancellationToken);
        long registrationTime = await ReadInt64Async("the registration time", cancellationToken);
        long narSize = await ReadInt64Async("the NAR size", cancellationToken);
        bool ultimate = false;
        List<string> signatures = [];
        string? contentAddress = null;
        if (version >= WorkerProtocol.Version(1, 16))
        {
            ultimate = await ReadBoolAsync(cancellationToken);
            signatures = await ReadStringsAsync(cancellationToken);
            string ca = await ReadStringAsync(cancellationToken);
            contentAddress = ca.Length == 0 ? null : ca;
        }

        return new PathInfo
        {
            Path = path,
            Deriver = deriver,
            NarHash = narHash,
            NarSize = narSize,
            References = references,
            RegistrationTime = registrationTime,
            Ultimate = ultimate,
            Signatures = signatures,
            ContentAddress = contentAddress,
        };
    }

    private StorePath ParseStorePath(string text)
    {
        if (!StorePath.TryParse(text, StoreDir, out var path, out string? error))
        {
            WireThrowHelper.ThrowInvalidStorePath(text, error);
        }

        return path;
    }
}
