using System.Security.Cryptography;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>The worker ops a pusher needs. Arguments are validated before anything is written.</summary>
internal sealed partial class DaemonConnection
{
    /// <summary>The most QueryPathInfo requests written ahead of their replies; small enough to never fill the socket buffer.</summary>
    public const int MaxPipelinedRequests = 64;

    /// <summary>Returns the subset of <paramref name="paths"/> that is valid, never substituting.</summary>
    public Task<List<StorePath>> QueryValidPathsAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            EnsureInStore(path, nameof(paths));
        }

        return RunAsync(
            async ct =>
            {
                WriteOp(WorkerOp.QueryValidPaths);
                _writer.WriteStorePaths(paths);
                if (ProtocolVersion >= WorkerProtocol.Version(1, 27))
                {
                    _writer.WriteBool(false);
                }

                await SendAsync(ct);
                return await _reader.ReadStorePathsAsync(ct);
            },
            cancellationToken);
    }

    public Task<List<StorePath>> QueryAllValidPathsAsync(CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                WriteOp(WorkerOp.QueryAllValidPaths);
                await SendAsync(ct);
                return await _reader.ReadStorePathsAsync(ct);
            },
            cancellationToken);

    /// <summary>Returns the path's info, or null when the path is not valid.</summary>
    public async Task<PathInfo?> QueryPathInfoAsync(StorePath path, CancellationToken cancellationToken) =>
        (await QueryPathInfosAsync([path], cancellationToken))[0];

    /// <summary>
    /// Queries several paths, writing up to <see cref="MaxPipelinedRequests"/> requests before reading
    /// their replies in order. The result has one entry per input, null where the path is not valid.
    /// </summary>
    public Task<PathInfo?[]> QueryPathInfosAsync(IReadOnlyList<StorePath> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            EnsureInStore(path, nameof(paths));
        }

        return RunAsync(
            async ct =>
            {
                var infos = new PathInfo?[paths.Count];
                for (int start = 0; start < paths.Count; start += MaxPipelinedRequests)
                {
                    int end = Math.Min(paths.Count, start + MaxPipelinedRequests);
                    for (int i = start; i < end; i++)
                    {
                        WriteOp(WorkerOp.QueryPathInfo);
                        _writer.WriteStorePath(paths[i]);
                    }

                    await _writer.FlushAsync(ct);
                    for (int i = start; i < end; i++)
                    {
                        await ProcessStderrAsync(ct);
                        infos[i] = await ReadPathInfoReplyAsync(paths[i], ct);
                    }
                }

                return infos;
            },
            cancellationToken);
    }

    /// <summary>Returns the full store path whose hash part is <paramref name="hashPart"/>, or null when there is none.</summary>
    public Task<StorePath?> QueryPathFromHashPartAsync(string hashPart, CancellationToken cancellationToken)
    {
        if (hashPart.Length != StorePath.HashLength || !hashPart.All(Nix32.IsValidChar))
        {
            throw new ArgumentException($"'{hashPart}' is not a store path hash part: expected {StorePath.HashLength} nix32 characters", nameof(hashPart));
        }

        return RunAsync(
            async ct =>
            {
                WriteOp(WorkerOp.QueryPathFromHashPart);
                _writer.WriteString(hashPart);
                await SendAsync(ct);
                return await _reader.ReadOptionalStorePathAsync(ct);
            },
            cancellationToken);
    }

    /// <summary>Protects <paramref name="path"/> from garbage collection while this connection lives.</summary>
    public Task AddTempRootAsync(StorePath path, CancellationToken cancellationToken)
    {
        EnsureInStore(path, nameof(path));
        return RunAsync(
            async ct =>
            {
                WriteOp(WorkerOp.AddTempRoot);
                _writer.WriteStorePath(path);
                await SendAsync(ct);
                await _reader.ReadUInt64Async("the AddTempRoot reply", ct);
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// Streams the NAR of <paramref name="info"/>'s path into <paramref name="destination"/> and checks
    /// it against the info's NAR size and hash. The NAR arrives unframed after STDERR_LAST, so exactly
    /// <see cref="PathInfo.NarSize"/> bytes are read; the path must be valid (check first).
    /// </summary>
    public Task NarFromPathAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
    {
        EnsureInStore(info.Path, nameof(info));
        return RunAsync(
            async ct =>
            {
                WriteOp(WorkerOp.NarFromPath);
                _writer.WriteStorePath(info.Path);
                await SendAsync(ct);
                await CopyNarAsync(info, destination, ct);
                return true;
            },
            cancellationToken);
    }

    private async Task CopyNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[81920];
        long remaining = info.NarSize;
        while (remaining > 0)
        {
            int n = await _reader.ReadRawAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
            if (n == 0)
            {
                WireThrowHelper.ThrowTruncated($"the NAR of '{info.Path}'", info.NarSize, info.NarSize - remaining);
            }

            sha256.AppendData(buffer, 0, n);
            await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            remaining -= n;
        }

        byte[] actual = sha256.GetHashAndReset();
        if (!actual.AsSpan().SequenceEqual(info.NarHash))
        {
            WireThrowHelper.ThrowNarMismatch(info.Path.FullPath, "sha256", NixHash.ToPrefixedNix32(info.NarHash), NixHash.ToPrefixedNix32(actual));
        }
    }

    private async Task<PathInfo?> ReadPathInfoReplyAsync(StorePath path, CancellationToken cancellationToken)
    {
        if (ProtocolVersion >= WorkerProtocol.Version(1, 17) && !await _reader.ReadBoolAsync(cancellationToken))
        {
            return null;
        }

        return await _reader.ReadUnkeyedValidPathInfoAsync(path, ProtocolVersion, cancellationToken);
    }

    private void WriteOp(WorkerOp op) => _writer.WriteUInt64((ulong)op);

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken);
        await ProcessStderrAsync(cancellationToken);
    }
}
