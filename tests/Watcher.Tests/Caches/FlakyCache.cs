using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Tests.Caches;

/// <summary>A cache whose lookups and uploads fail with scripted exceptions, then succeed.</summary>
internal sealed class FlakyCache : IBinaryCache
{
    private readonly Queue<Exception> _failures;

    public FlakyCache(params Exception[] failures) => _failures = new Queue<Exception>(failures);

    public string Name => "flaky";

    public bool PublishesOnUpload => false;

    public int Calls { get; private set; }

    /// <summary>When set, every call fails with it (a cache that is down).</summary>
    public Exception? AlwaysFail { get; set; }

    public Task InitializeAsync(CancellationToken cancellationToken) => Next();

    public async Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        await Next();
        return CacheLookup.Exactly(paths.ToHashSet());
    }

    /// <summary>When set, uploads stream the NAR from their source (into nowhere), as real caches do.</summary>
    public bool ReadsNar { get; init; }

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        await Next();
        if (ReadsNar)
        {
            await source.WriteNarAsync(info, Stream.Null, cancellationToken);
        }

        return new NarInfo { StorePath = info.Path, Url = "nar/x.nar", Compression = "none", NarHash = info.NarHash, NarSize = info.NarSize, References = info.References, FileSize = info.NarSize / 2 };
    }

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) => Next();

    private Task Next()
    {
        Calls++;
        if (AlwaysFail is not null)
        {
            return Task.FromException(AlwaysFail);
        }

        return _failures.TryDequeue(out var failure) ? Task.FromException(failure) : Task.CompletedTask;
    }
}
