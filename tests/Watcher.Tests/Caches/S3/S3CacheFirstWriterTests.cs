using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Caches.S3;
using Watcher.Caches.Zstd;
using Watcher.Config;
using Watcher.Nix;

namespace Watcher.Tests.Caches.S3;

/// <summary>First writer wins: what <see cref="S3Cache"/> does when a conditional write finds an object in place.</summary>
public sealed class S3CacheFirstWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("s3-first-writer-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Publish_AnotherWritersNarInfoInPlace_ItStaysThePathIsPresentAndTheOwnNarIsDeleted()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "lost-race");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        string key = NarInfoKey(narInfo);
        string winners = (narInfo with { Url = "nar/1111111111111111111111111111111111111111111111111111.nar.xz", Compression = "xz" }).ToString();
        client.Objects[key] = Encoding.UTF8.GetBytes(winners);

        bool published = await cache.TryPublishAsync(narInfo, Ct);

        Assert.False(published);
        Assert.Equal(winners, Encoding.UTF8.GetString(client.Objects[key]));
        Assert.DoesNotContain(narInfo.Url, client.Objects.Keys);
        Assert.Contains($"PUT {key} if-none-match", client.Log);
        Assert.Contains("the server honours If-None-Match: *", S3ConditionalWrites.Describe(Where("lost-race")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_OwnHeldWriteLandedFirst_CountsAsPublishedAndTheNarStays()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "own-retry");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        string key = NarInfoKey(narInfo);

        // The first attempt lands just as its answer is lost; the retry finds those very bytes in place.
        client.BeforePut = k =>
        {
            if (k == key && !client.Objects.ContainsKey(key))
            {
                client.Objects[key] = Encoding.UTF8.GetBytes(narInfo.ToString());
            }
        };
        bool published = await cache.TryPublishAsync(narInfo, Ct);

        Assert.True(published);
        Assert.Contains(narInfo.Url, client.Objects.Keys);
        Assert.DoesNotContain(client.Log, l => l.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_WinnerNamesTheSameNar_TheNarStays()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "same-nar");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[NarInfoKey(narInfo)] = Encoding.UTF8.GetBytes((narInfo with { Signatures = ["other-1:c2lnbmF0dXJl"] }).ToString());

        Assert.False(await cache.TryPublishAsync(narInfo, Ct));
        Assert.Contains(narInfo.Url, client.Objects.Keys);
    }

    [Fact]
    public async Task Publish_NarFoundInPlaceNotWritten_IsNeverDeleted()
    {
        var client = new InMemoryS3Client();
        using (var first = CacheFor(client, "found-nar"))
        {
            _ = await first.UploadNarAsync(Info, Source, Ct);
        }

        using var cache = CacheFor(client, "found-nar");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[NarInfoKey(narInfo)] = Encoding.UTF8.GetBytes((narInfo with { Url = "nar/1111111111111111111111111111111111111111111111111111.nar" }).ToString());

        Assert.False(await cache.TryPublishAsync(narInfo, Ct));
        Assert.Contains(narInfo.Url, client.Objects.Keys);
    }

    [Fact]
    public async Task Publish_LostRaceForANarWrittenOverADamagedOne_TheNarStays()
    {
        // The NAR went up without If-None-Match (over what an interrupted write left): another writer may have put
        // these bytes there meanwhile and named them, so it is not this push's to delete.
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "written-over");
        PutDamagedNarFirst(client);
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[NarInfoKey(narInfo)] = Encoding.UTF8.GetBytes(WinnerOf(narInfo));

        Assert.False(await cache.TryPublishAsync(narInfo, Ct));
        Assert.Equal(Nar, client.Objects[narInfo.Url]);
        Assert.DoesNotContain(client.Log, l => l.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_NarCreatedInAnEarlierRoundWhoseNarInfoFailed_IsNotDeletedOnALaterLoss()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "earlier-round");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        string key = NarInfoKey(narInfo);
        client.BeforePut = k =>
        {
            if (k == key && !client.Log.Contains("failed once"))
            {
                client.Log.Add("failed once");
                throw new HttpRequestException("connection reset");
            }
        };
        await Assert.ThrowsAnyAsync<Exception>(() => cache.TryPublishAsync(narInfo, Ct));

        // The next round finds the NAR in place (its own, from the round before) and loses the narinfo to another writer.
        var again = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[key] = Encoding.UTF8.GetBytes(WinnerOf(again));

        Assert.False(await cache.TryPublishAsync(again, Ct));
        Assert.Contains(again.Url, client.Objects.Keys);
    }

    [Fact]
    public async Task Publish_LostRaceWhileAnotherPathWithTheSameNarHasLookedAtIt_TheNarStaysForThatPath()
    {
        // Two store paths whose NARs have the same bytes share one NAR key. The second looks (HEAD) and finds the NAR the
        // first created; the first then loses its narinfo. The NAR must stay: the second path's narinfo is to name it.
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "shared-nar");
        var first = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[NarInfoKey(first)] = Encoding.UTF8.GetBytes(WinnerOf(first));
        var second = Info with { Path = StorePath.Parse(StorePath.DefaultStoreDir + "/" + new string('9', 32) + "-same-bytes") };
        bool lost = false;
        client.AfterHead = async key =>
        {
            if (key == first.Url && !lost)
            {
                lost = true;
                Assert.False(await cache.TryPublishAsync(first, Ct));
            }
        };

        var secondNarInfo = await cache.UploadNarAsync(second, Source, Ct);
        Assert.True(lost);
        Assert.True(await cache.TryPublishAsync(secondNarInfo, Ct));

        Assert.Equal(first.Url, secondNarInfo.Url);
        Assert.Equal(Nar, client.Objects[secondNarInfo.Url]);
    }

    [Fact]
    public async Task UploadNar_IntactNarAppearsBetweenLookAndWrite_ItIsKeptNotWrittenOver()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "nar-race");
        byte[]? theirs = null;
        client.BeforePut = key =>
        {
            if (key.StartsWith("nar/", StringComparison.Ordinal) && theirs is null)
            {
                // Another writer of the same content puts it in place first (what this PUT carries, read from its file).
                theirs = Nar;
                client.Objects[key] = Nar;
            }
        };

        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);

        Assert.Single(client.Log, l => l.StartsWith("PUT nar/", StringComparison.Ordinal));
        Assert.Same(theirs, client.Objects[narInfo.Url]);
    }

    [Fact]
    public async Task UploadNar_DamagedNarAppearsBetweenLookAndWrite_ItIsWrittenOver()
    {
        var client = new InMemoryS3Client();
        using var cache = CacheFor(client, "nar-damaged");
        PutDamagedNarFirst(client);

        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);

        Assert.Equal([$"PUT {narInfo.Url} if-none-match", $"PUT {narInfo.Url}"], client.Log.Where(l => l.StartsWith("PUT nar/", StringComparison.Ordinal)));
        Assert.Equal(Nar, client.Objects[narInfo.Url]);
    }

    [Fact]
    public async Task Writes_ServerRefusesTheHeader_SentAgainWithoutItAndEveryLaterWriteGoesWithout()
    {
        var client = new InMemoryS3Client { Conditional = InMemoryS3Client.Mode.Refuses };
        using var cache = CacheFor(client, "refusing");

        await cache.InitializeAsync(Ct);
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        bool published = await cache.TryPublishAsync(narInfo, Ct);

        Assert.True(published);
        Assert.Equal(
            [$"PUT {CacheKeys.CacheInfoKey} if-none-match", $"PUT {CacheKeys.CacheInfoKey}", $"PUT {narInfo.Url}", $"PUT {NarInfoKey(narInfo)}"],
            client.Log.Where(l => l.StartsWith("PUT", StringComparison.Ordinal)));
        Assert.Contains("refuses If-None-Match: * (HTTP 501)", S3ConditionalWrites.Describe(Where("refusing")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_ServerIgnoresTheHeader_LastWriterWinsAsBefore()
    {
        var client = new InMemoryS3Client { Conditional = InMemoryS3Client.Mode.Ignores };
        using var cache = CacheFor(client, "ignoring");
        var narInfo = await cache.UploadNarAsync(Info, Source, Ct);
        client.Objects[NarInfoKey(narInfo)] = Encoding.UTF8.GetBytes("StorePath: gone\n");

        Assert.True(await cache.TryPublishAsync(narInfo, Ct));
        Assert.Equal(narInfo.ToString(), Encoding.UTF8.GetString(client.Objects[NarInfoKey(narInfo)]));
        Assert.Contains("whether the server honours it shows", S3ConditionalWrites.Describe(Where("ignoring")), StringComparison.Ordinal);
    }

    private static readonly byte[] Nar = Encoding.ASCII.GetBytes(new string('n', 4000));

    private static PathInfo Info => NarEncoderTests.InfoFor(Nar);

    private static NarEncoderTests.BytesSource Source => new(Nar);

    private static string NarInfoKey(NarInfo narInfo) => narInfo.StorePath.HashPart + ".narinfo";

    /// <summary>Before the first write of a NAR, what an interrupted write left is there: its size, other bytes.</summary>
    private static void PutDamagedNarFirst(InMemoryS3Client client) => client.BeforePut = key =>
    {
        if (key.StartsWith("nar/", StringComparison.Ordinal) && !client.Objects.ContainsKey(key))
        {
            client.Objects[key] = new byte[Nar.Length];
        }
    };

    /// <summary>Another writer's narinfo for the same path, naming a NAR of other bytes.</summary>
    private static string WinnerOf(NarInfo narInfo) =>
        (narInfo with { Url = "nar/1111111111111111111111111111111111111111111111111111.nar.xz", Compression = "xz" }).ToString();

    private static string Where(string name) => $"cache '{name}' (bucket 'b' at http://s3.test)";

    private S3Cache CacheFor(InMemoryS3Client client, string name)
    {
        var options = new S3CacheOptions { Name = name, Bucket = "b", Endpoint = new Uri("http://s3.test"), SigningKeyFile = "unused", Compression = CompressionKind.None };
        var time = new FakeTimeProvider(new DateTimeOffset(client.LastModified));
        return new S3Cache(
            options, client, new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null, StorePath.DefaultStoreDir,
            SingleAttempt.Instance, NoMultipartJournal.Instance, new StagingDirectory(Path.Combine(_root, name)), time, NullLogger.Instance);
    }
}
