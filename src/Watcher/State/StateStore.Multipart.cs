using Watcher.Upload.S3;

namespace Watcher.State;

/// <content>The S3 multipart uploads each cache has open (<see cref="IMultipartJournal"/>).</content>
internal sealed partial class StateStore
{
    /// <summary>The journal of one cache's open multipart uploads, kept in this state.</summary>
    public IMultipartJournal MultipartJournal(string cache, TimeProvider time) => new Journal(this, cache, time);

    private sealed class Journal(StateStore state, string cache, TimeProvider time) : IMultipartJournal
    {
        public bool Kept => true;

        public void Started(string key, string uploadId) =>
            state.Batch("INSERT OR REPLACE INTO multipart_uploads (cache, upload_id, key, started_at) VALUES ($cache, $id, $key, $at)", [uploadId], (c, id) =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$id", id);
                c.Parameters.AddWithValue("$key", key);
                c.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeSeconds());
            });

        public void Ended(string uploadId) =>
            state.Batch("DELETE FROM multipart_uploads WHERE cache = $cache AND upload_id = $id", [uploadId], (c, id) =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$id", id);
            });

        public IReadOnlyList<(string Key, string UploadId)> Left() =>
            state.Query("SELECT key, upload_id FROM multipart_uploads WHERE cache = $cache ORDER BY started_at", c => c.Parameters.AddWithValue("$cache", cache), r => (r.GetString(0), r.GetString(1)));
    }
}
