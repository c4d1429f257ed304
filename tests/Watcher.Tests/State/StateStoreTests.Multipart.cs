using Microsoft.Extensions.Time.Testing;
using Watcher.State;
using Watcher.Tests.Nix;
using Watcher.Upload.S3;

namespace Watcher.Tests.State;

/// <content>The multipart journal: uploads and the parts each has sent, per cache, kept across a restart.</content>
public sealed partial class StateStoreTests
{
    private const string NarKey = "nar/1w1fff338fvdw53sqgamddi1b2xgli8bqpbq5y08rh7ikdxz8a4i.nar.zst";

    [Fact]
    public void MultipartJournal_PartsSent_AreReadBackAfterARestartInPartOrder()
    {
        string storePath = TestPaths.Path("big").FullPath;
        using (var state = StateStore.Open(_dir))
        {
            var journal = state.MultipartJournal("c", new FakeTimeProvider(Now));
            journal.Started(new MultipartUpload(NarKey, "u-1", storePath, 35L << 20, 5L << 20, Now));
            journal.PartSent("u-1", new MultipartPart(3, "\"etag-3\"", 10L << 20, 5L << 20, "bWQ1LTM="));
            journal.PartSent("u-1", new MultipartPart(1, "\"etag-1\"", 0, 5L << 20, "bWQ1LTE="));
        }

        using var reopened = StateStore.Open(_dir);
        var again = reopened.MultipartJournal("c", new FakeTimeProvider(Now.AddMinutes(5)));

        var left = Assert.Single(again.Left());
        Assert.Equal(new MultipartUpload(NarKey, "u-1", storePath, 35L << 20, 5L << 20, Now), left);
        Assert.Equal(
            [new MultipartPart(1, "\"etag-1\"", 0, 5L << 20, "bWQ1LTE="), new MultipartPart(3, "\"etag-3\"", 10L << 20, 5L << 20, "bWQ1LTM=")],
            again.Parts("u-1"));
    }

    [Fact]
    public void MultipartJournal_APartSentAgain_ReplacesItsRecord()
    {
        using var state = StateStore.Open(_dir);
        var journal = state.MultipartJournal("c", new FakeTimeProvider(Now));
        journal.Started(new MultipartUpload(NarKey, "u-1", null, 12L << 20, 5L << 20, Now));

        journal.PartSent("u-1", new MultipartPart(2, "\"old\"", 5L << 20, 5L << 20, "b2xk"));
        journal.PartSent("u-1", new MultipartPart(2, "\"new\"", 5L << 20, 5L << 20, "bmV3"));

        Assert.Equal([new MultipartPart(2, "\"new\"", 5L << 20, 5L << 20, "bmV3")], journal.Parts("u-1"));
    }

    [Fact]
    public void MultipartJournal_Ended_DropsTheUploadAndItsPartsAndNoOtherCachesOrUploads()
    {
        using var state = StateStore.Open(_dir);
        var journal = state.MultipartJournal("c", new FakeTimeProvider(Now));
        var other = state.MultipartJournal("other", new FakeTimeProvider(Now));
        journal.Started(new MultipartUpload(NarKey, "u-1", null, 12L << 20, 5L << 20, Now));
        journal.Started(new MultipartUpload(NarKey, "u-2", null, 12L << 20, 5L << 20, Now));
        other.Started(new MultipartUpload(NarKey, "u-1", null, 12L << 20, 5L << 20, Now));
        foreach (var j in new[] { journal, other })
        {
            j.PartSent("u-1", new MultipartPart(1, "\"e\"", 0, 5L << 20, "bWQ1"));
        }

        journal.PartSent("u-2", new MultipartPart(1, "\"f\"", 0, 5L << 20, "bWQ1"));

        journal.Ended("u-1");

        Assert.Equal(["u-2"], journal.Left().Select(u => u.UploadId));
        Assert.Empty(journal.Parts("u-1"));
        Assert.Single(journal.Parts("u-2"));
        Assert.Equal(["u-1"], other.Left().Select(u => u.UploadId));
        Assert.Single(other.Parts("u-1"));
        Assert.Equal("1", Scalar("SELECT COUNT(*) FROM multipart_parts WHERE upload_id = 'u-1'"));
    }

    [Fact]
    public void MultipartJournal_Left_OldestFirstWithWhenEachStarted()
    {
        using var state = StateStore.Open(_dir);
        var journal = state.MultipartJournal("c", new FakeTimeProvider(Now));
        journal.Started(new MultipartUpload("nar/b.nar.zst", "late", TestPaths.Path("b").FullPath, 12L << 20, 5L << 20, Now));
        state.MultipartJournal("c", new FakeTimeProvider(Now.AddHours(-2))).Started(new MultipartUpload("nar/a.nar.zst", "early", TestPaths.Path("a").FullPath, 12L << 20, 5L << 20, Now));

        var left = journal.Left();

        Assert.Equal(["early", "late"], left.Select(u => u.UploadId));
        Assert.Equal([Now.AddHours(-2), Now], left.Select(u => u.StartedAt));
    }

    [Fact]
    public void Open_SchemaVersion4_KeepsItsUploadsWithoutAStorePathSoTheyAreAbortedNotResumed()
    {
        using (var state = StateStore.Open(_dir))
        {
            Exec(
                "DROP TABLE multipart_parts",
                "ALTER TABLE multipart_uploads DROP COLUMN store_path",
                "ALTER TABLE multipart_uploads DROP COLUMN object_size",
                "ALTER TABLE multipart_uploads DROP COLUMN part_size",
                "UPDATE meta SET value = '4' WHERE key = 'schema'");
        }

        Exec($"INSERT INTO multipart_uploads (cache, upload_id, key, started_at) VALUES ('c', 'u-old', '{NarKey}', {Now.ToUnixTimeSeconds()})");

        using var reopened = StateStore.Open(_dir);
        var journal = reopened.MultipartJournal("c", new FakeTimeProvider(Now));

        Assert.Equal(new MultipartUpload(NarKey, "u-old", null, 0, 0, Now), Assert.Single(journal.Left()));
        Assert.Empty(journal.Parts("u-old"));
        Assert.Equal(StateStore.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar("SELECT value FROM meta WHERE key = 'schema'"));
    }
}
