using Watcher.Caches.Files;

namespace Watcher.Tests.Caches.Files;

public sealed class GroupSyncTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _release = new(0);
    private readonly SemaphoreSlim _started = new(0);
    private int _syncs;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _release.Dispose();
        _started.Dispose();
    }

    /// <summary>A sync that counts itself and waits until the test releases it.</summary>
    private void BlockingSync()
    {
        Interlocked.Increment(ref _syncs);
        _started.Release();
        Assert.True(_release.Wait(Timeout), "the test never released the sync");
    }

    [Fact]
    public async Task Callers_arriving_during_a_sync_share_the_next_one()
    {
        var sync = new GroupSync(BlockingSync);
        var first = sync.SyncAsync(Ct);
        Assert.True(await _started.WaitAsync(Timeout, Ct));

        var waiting = Enumerable.Range(0, 5).Select(_ => sync.SyncAsync(Ct)).ToList();
        _release.Release();
        await first.WaitAsync(Timeout, Ct);
        Assert.True(await _started.WaitAsync(Timeout, Ct));
        _release.Release();
        await Task.WhenAll(waiting).WaitAsync(Timeout, Ct);

        Assert.Equal(2, _syncs);
    }

    [Fact]
    public async Task A_caller_arriving_during_a_sync_waits_for_one_that_starts_after_it()
    {
        var sync = new GroupSync(BlockingSync);
        var first = sync.SyncAsync(Ct);
        Assert.True(await _started.WaitAsync(Timeout, Ct));
        var second = sync.SyncAsync(Ct);

        _release.Release();
        await first.WaitAsync(Timeout, Ct);
        Assert.True(await _started.WaitAsync(Timeout, Ct));

        Assert.False(second.IsCompleted, "the second caller was satisfied by a sync that began before it asked");
        _release.Release();
        await second.WaitAsync(Timeout, Ct);
    }

    [Fact]
    public async Task A_failed_sync_fails_its_callers_and_the_next_call_syncs_again()
    {
        int calls = 0;
        var sync = new GroupSync(() =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new IOException("syncfs failed: Input/output error");
            }
        });

        var error = await Assert.ThrowsAsync<IOException>(() => sync.SyncAsync(Ct));
        await sync.SyncAsync(Ct);

        Assert.Contains("Input/output error", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task ForDirectory_syncs_a_real_directory_and_names_a_missing_one()
    {
        string root = Directory.CreateTempSubdirectory("groupsync-").FullName;
        try
        {
            await GroupSync.ForDirectory(root).SyncAsync(Ct);

            string missing = Path.Combine(root, "missing");
            var error = await Assert.ThrowsAsync<IOException>(() => GroupSync.ForDirectory(missing).SyncAsync(Ct));
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
