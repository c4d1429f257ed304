using Watcher.Config;

namespace Watcher.Tests.Config;

public sealed class ConfigBinderRateTests : IDisposable
{
    private const string S3 = "[caches.m]\ntype = \"s3\"\nbucket = \"b\"\nendpoint = \"http://127.0.0.1:9/\"\n";

    private readonly ConfigSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Load_NoRate_IsOff()
    {
        var options = _sandbox.LoadToml(S3);

        Assert.Same(RateSchedule.Off, options.MaxUploadRate);
        Assert.Null(options.Caches[0].MaxUploadRate);
    }

    [Fact]
    public void Load_TopLevelAndCacheRates_AreBound()
    {
        var options = _sandbox.LoadToml("max-upload-rate = \"08:00,1M 23:00,off\"\n" + S3 + "max-upload-rate = 3000000\n");

        Assert.Equal("08:00,1M 23:00,off", options.MaxUploadRate.Text);
        Assert.Equal(2, options.MaxUploadRate.Changes.Count);
        Assert.Equal(3_000_000, options.Caches[0].MaxUploadRate!.RateAt(new TimeOnly(12, 0)));
    }

    [Theory]
    [InlineData("max-upload-rate = \"4 MB/h\"\n", 1, 19, "max-upload-rate", "'4 MB/h' is not a number with a unit")]
    [InlineData("max-upload-rate = \"08:00,1M 07:00,off\"\n", 1, 19, "max-upload-rate", "does not come after 08:00")]
    [InlineData("max-upload-rate = 10\n", 1, 19, "max-upload-rate", "between 1 KiB/s and 1 TiB/s")]
    [InlineData("max-upload-rate = true\n", 1, 19, "max-upload-rate", "neither a string nor an integer")]
    [InlineData(S3 + "max-upload-rate = \"4\"\n", 5, 19, "caches.m.max-upload-rate", "has no unit")]
    [InlineData("[caches.f]\ntype = \"file\"\npath = \"/srv/c\"\nmax-upload-rate = \"1M\"\n", 4, 1, "caches.f.max-upload-rate", "does not apply to caches of type file (only to s3 and attic caches)")]
    public void Load_BadRate_NamesFileLineKeyAndExpectation(string toml, int line, int column, string key, string expected)
    {
        string[] lines = _sandbox.LoadErrors(toml);

        string prefix = $"{Path.Combine(_sandbox.Root, "config.toml")}:{line}:{column}: ";
        string only = Assert.Single(lines);
        Assert.StartsWith(prefix, only, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", only, StringComparison.Ordinal);
        Assert.Contains(expected, only, StringComparison.Ordinal);
    }
}
