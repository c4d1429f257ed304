using Watcher.Caches.Zstd;

namespace Watcher.Tests.Caches.Zstd;

public sealed class MallocTuningTests
{
    // Debian's glibc knows both settings; mallopt returns 0 for a parameter or value it rejects.
    [Fact]
    public void Apply_OnGlibc_BothSettingsAreAccepted()
    {
        Assert.True(MallocTuning.Apply());
    }
}
