using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.S3.Model;
using Microsoft.Data.Sqlite;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using static Watcher.IntegrationTests.Pipeline.KilledUploads;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// The resume of a killed multipart upload against moto, which lists the parts it holds (s3rver cannot, so
/// <see cref="CrashLeftoverTests"/> shows the journal alone): a part is kept only when the journal noted it and the
/// server still lists it with the same ETag.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class MotoResumeTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    [Fact]
    public async Task Run_Kill9MidUploadThenAPartIsWrittenOver_NextStartSendsItAgainWithTheMissingOnesUnderTheSameUpload()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = await RandomPathAsync(40, ct);
        await using var front = await S3Front.StartAsync(moto.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        string bucket = await moto.Server.NewBucketAsync(ct);
        using var cache = new S3TestCache(front.Endpoint, bucket, moto.Server.SecretKey, moto.Server.AccessKey);
        using var client = moto.Server.CreateClient();

        // 40 MiB of random bytes in parts of 5 MiB: nine parts, four at a time. Part 8 waits for four answers, and is held.
        var (config, state, _, environment) = DaemonOn(cache, path, "part-size-mb = 5");
        await KillOnceSentAsync(front, config, environment, 8, 35L << 20, ct);
        string? upload = Assert.Single(PartPuts(front.Log).Select(p => p.UploadId).Distinct());
        var open = Assert.Single((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, ct)).MultipartUploads ?? []);
        Assert.Equal(upload, open.UploadId);
        var listed = ((await client.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = open.Key, UploadId = upload }, ct)).Parts ?? [])
            .Select(p => p.PartNumber ?? 0).ToHashSet();
        var both = JournaledParts(state, upload!).Where(listed.Contains).Order().ToList();
        Assert.True(both.Count >= 2, $"parts journaled and listed: {string.Join(", ", both)}");

        // One of them written over with other bytes: the journal still has it, only the server's ETag tells.
        int changed = both[0];
        await client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = open.Key,
            UploadId = upload,
            PartNumber = changed,
            InputStream = new MemoryStream(RandomNumberGenerator.GetBytes(5 << 20)),
        }, ct);
        int requestsBeforeRestart = front.Log.Count;

        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitForLogAsync($"pushed {path} to bucket", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        var after = front.Log.Skip(requestsBeforeRestart).ToList();
        Assert.Contains(after, r => r.Method == "GET" && UploadId(r.Target) == upload);
        var match = Assert.Single(Regex.Matches(second.Log, "resuming the multipart upload of [^ ]+ that an interrupted run left: ([0-9]+) of ([0-9]+) parts").ToList());
        int total = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(9, total);
        Assert.Equal((both.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups[1].Value);
        var resent = PartPuts(after).ToList();
        Assert.All(resent, p => Assert.Equal(upload, p.UploadId));
        Assert.Equal(Enumerable.Range(1, total).Except(both.Skip(1)), resent.Select(p => p.Number).Distinct().Order());
        Assert.DoesNotContain(after, r => r.Method == "POST" && r.Target.Contains("?uploads", StringComparison.Ordinal));
        Assert.DoesNotContain(after, r => r.Method == "DELETE");

        // moto checks no checksum of its own: the bytes are checked here.
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        await S3TestCache.VerifyNarHashesAsync(client, bucket, narInfos.Values, ct);
        Assert.Contains(narInfos.Values, n => n.StorePath.FullPath == path);
        Assert.Empty((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, ct)).MultipartUploads ?? []);
    }

    /// <summary>The parts of <paramref name="upload"/> the killed daemon noted in its state as answered.</summary>
    private static List<int> JournaledParts(string stateDir, string upload)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(stateDir, "state.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT part_number FROM multipart_parts WHERE upload_id = $id";
        command.Parameters.AddWithValue("$id", upload);
        using var reader = command.ExecuteReader();
        var parts = new List<int>();
        while (reader.Read())
        {
            parts.Add(reader.GetInt32(0));
        }

        return parts;
    }
}
