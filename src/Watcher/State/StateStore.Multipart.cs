using Watcher.Caches.S3;

namespace Watcher.State;

/// <content>The S3 multipart uploads each cache has open, and their parts sent (<see cref="IMultipartJournal"/>).</content>
internal sealed partial class StateStore
{
    /// <summary>The journal of one cache's open multipart uploads, kept in this state.</summary>
    public IMultipartJournal MultipartJournal(string cache, TimeProvider time) => new Journal(this, cache, time);

    private sealed class Journal(StateStore state, string cache, TimeProvider time) : IMultipartJournal
    {
        public bool Kept => true;

        public void Started(MultipartUpload upload) =>
            state.Batch(
                "INSERT OR REPLACE INTO multipart_uploads (cache, upload_id, key, started_at, store_path, object_size, part_size) VALUES ($cache, $id, $key, $at, $path, $size, $part)",
                [upload],
                (c, u) =>
                {
                    c.Parameters.AddWithValue("$cache", cache);
                    c.Parameters.AddWithValue("$id", u.UploadId);
                    c.Parameters.AddWithValue("$key", u.Key);
                    c.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeSeconds());
                    c.Parameters.AddWithValue("$path", (object?)u.StorePath ?? DBNull.Value);
                    c.Parameters.AddWithValue("$size", u.ObjectSize);
                    c.Parameters.AddWithValue("$part", u.PartSize);
                });

        public void PartSent(string uploadId, MultipartPart part) =>
            state.Batch(
                "INSERT OR REPLACE INTO multipart_parts (cache, upload_id, part_number, etag, offset, size, md5) VALUES ($cache, $id, $n, $etag, $offset, $size, $md5)",
                [part],
                (c, p) =>
                {
                    c.Parameters.AddWithValue("$cache", cache);
                    c.Parameters.AddWithValue("$id", uploadId);
                    c.Parameters.AddWithValue("$n", p.Number);
                    c.Parameters.AddWithValue("$etag", p.ETag);
                    c.Parameters.AddWithValue("$offset", p.Offset);
                    c.Parameters.AddWithValue("$size", p.Size);
                    c.Parameters.AddWithValue("$md5", p.Md5);
                });

        public IReadOnlyList<MultipartPart> Parts(string uploadId) =>
            state.Query(
                "SELECT part_number, etag, offset, size, md5 FROM multipart_parts WHERE cache = $cache AND upload_id = $id ORDER BY part_number",
                c =>
                {
                    c.Parameters.AddWithValue("$cache", cache);
                    c.Parameters.AddWithValue("$id", uploadId);
                },
                r => new MultipartPart(r.GetInt32(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4)));

        public void Ended(string uploadId) =>
            state.Batch(
                """
                DELETE FROM multipart_parts WHERE cache = $cache AND upload_id = $id;
                DELETE FROM multipart_uploads WHERE cache = $cache AND upload_id = $id;
                """,
                [uploadId],
                (c, id) =>
                {
                    c.Parameters.AddWithValue("$cache", cache);
                    c.Parameters.AddWithValue("$id", id);
                });

        public IReadOnlyList<MultipartUpload> Left() =>
            state.Query(
                "SELECT key, upload_id, store_path, object_size, part_size, started_at FROM multipart_uploads WHERE cache = $cache ORDER BY started_at, upload_id",
                c => c.Parameters.AddWithValue("$cache", cache),
                r => new MultipartUpload(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3), r.GetInt64(4), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(5))));
    }
}
