using System.Text;
using Watcher.Watch;

namespace Watcher.Tests.Watch;

public sealed class InotifyReaderTests
{
    [Fact]
    public void Parse_DeletedLocksAndOverflow_BecomeEvents()
    {
        var buffer = new List<byte>();
        Append(buffer, Inotify.InDelete, "abc-foo.lock");
        Append(buffer, Inotify.InDelete, "abc-foo.drv");
        Append(buffer, Inotify.InCreate, "abc-bar.lock");
        Append(buffer, Inotify.InQueueOverflow, null);
        var events = new List<StoreEvent>();

        InotifyReader.Parse(buffer.ToArray(), events);

        Assert.Equal([new StoreEvent(StoreEventKind.LockRemoved, "abc-foo"), new StoreEvent(StoreEventKind.Overflow, null)], events);
    }

    [Fact]
    public void Read_LockDeletedInWatchedDirectory_IsReported()
    {
        string dir = Directory.CreateTempSubdirectory("inotify-test-").FullName;
        try
        {
            using var reader = new InotifyReader(dir);
            string lockFile = Path.Combine(dir, "0000-x.lock");
            File.WriteAllText(lockFile, string.Empty);
            File.Delete(lockFile);

            var events = reader.Read();

            Assert.Equal([new StoreEvent(StoreEventKind.LockRemoved, "0000-x")], events);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_WhileBlockedInRead_ReturnsEmpty()
    {
        string dir = Directory.CreateTempSubdirectory("inotify-test-").FullName;
        try
        {
            using var reader = new InotifyReader(dir);
            var read = Task.Run(reader.Read, TestContext.Current.CancellationToken);

            // A real wait: the read blocks in the kernel's read(2), and nothing signals that it got there. 100 ms makes
            // that all but certain; on a machine too slow for it, the stop comes first and must end the read all the same.
            await Task.Delay(100, TestContext.Current.CancellationToken);

            reader.Stop();

            Assert.Empty(await read.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Append(List<byte> buffer, uint mask, string? name)
    {
        // struct inotify_event { int wd; uint32 mask, cookie, len; char name[len]; }, names NUL-padded.
        byte[] nameBytes = name is null ? [] : [.. Encoding.UTF8.GetBytes(name), 0, 0, 0, 0];
        buffer.AddRange(BitConverter.GetBytes(1));
        buffer.AddRange(BitConverter.GetBytes(mask));
        buffer.AddRange(BitConverter.GetBytes(0u));
        buffer.AddRange(BitConverter.GetBytes((uint)nameBytes.Length));
        buffer.AddRange(nameBytes);
    }
}
