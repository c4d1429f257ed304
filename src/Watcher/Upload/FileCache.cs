using Watcher.Nix;

namespace Watcher.Upload;

/// <summary>
/// A binary cache in a local directory, in Nix's layout (<c>nix-cache-info</c>, <c>&lt;hash&gt;.narinfo</c>,
/// <c>nar/&lt;filehash&gt;.nar.zst</c>). Every file is written under a temporary name and renamed into
/// place, so a reader (or a crash) never sees a partial file.
/// </summary>
internal sealed class FileCache : IBinaryCache
{
    private readonly string _root;
    private readonly NarEncoder _encoder;
    private readonly NixSecretKey? _signingKey;
    private readonly string _storeDir;

    public FileCache(string name, string root, NarEncoder encoder, NixSecretKey? signingKey, string storeDir = StorePath.DefaultStoreDir)
    {
        Name = name;
        _root = root;
        _encoder = encoder;
        _signingKey = signingKey;
        _storeDir = storeDir;
    }

    public string Name { get; }

    public bool PublishesOnUpload => false;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(_root, "nar"));
        string info = Path.Combine(_root, "nix-cache-info");
        if (!File.Exists(info))
        {
            await WriteAtomicallyAsync(info, $"StoreDir: {_storeDir}\n", cancellationToken);
        }
    }

    public Task<IReadOnlySet<StorePath>> FindMissingAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        IReadOnlySet<StorePath> missing = paths.Where(p => !File.Exists(NarInfoPath(p))).ToHashSet();
        return Task.FromResult(missing);
    }

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        string temp = Path.Combine(_root, "nar", $".tmp-{info.Path.HashPart}-{Guid.NewGuid():N}");
        try
        {
            EncodedNar encoded;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, FileOptions.Asynchronous))
            {
                encoded = await _encoder.EncodeAsync(info, source, file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            // NARs are named after their content: one that is already there is the same bytes.
            File.Move(temp, Path.Combine(_root, encoded.Url), overwrite: true);
            return encoded.ToNarInfo(info);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        var signed = _signingKey is null ? narInfo : narInfo.SignedWith(_signingKey);
        return WriteAtomicallyAsync(NarInfoPath(narInfo.StorePath), signed.ToString(), cancellationToken);
    }

    private string NarInfoPath(StorePath path) => Path.Combine(_root, path.HashPart + ".narinfo");

    private static async Task WriteAtomicallyAsync(string path, string contents, CancellationToken cancellationToken)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".tmp-{Path.GetFileName(path)}-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(contents), cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
