using Microsoft.Extensions.Time.Testing;
using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class PlainStepsTests : IDisposable
{
    private readonly StringWriter _error = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _error.Dispose();

    [Fact]
    public void Report_ManyItems_ALineAtMostEveryTenSeconds()
    {
        var sut = new PlainSteps(new ConsoleOutput(TextWriter.Null, _error), _time);

        sut.Report("local: reading narinfos", 1, 500);
        _time.Advance(PlainSteps.Interval);
        sut.Report("local: reading narinfos", 200, 500);
        sut.Report("local: reading narinfos", 201, 500);
        _time.Advance(PlainSteps.Interval);
        sut.Report("local: listing objects", 7000, null);

        Assert.Equal("local: reading narinfos: 200 of 500\nlocal: listing objects: 7000\n", _error.ToString());
    }
}
