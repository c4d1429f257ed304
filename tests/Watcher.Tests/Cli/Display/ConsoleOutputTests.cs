using Microsoft.Extensions.Logging;
using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class ConsoleOutputTests : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _out.Dispose();
        _error.Dispose();
    }

    [Theory]
    [InlineData(LogLevel.Information, "pushed x\n")]
    [InlineData(LogLevel.Warning, "warning: pushed x\n")]
    [InlineData(LogLevel.Error, "error: pushed x\n")]
    [InlineData(LogLevel.Critical, "error: pushed x\n")]
    public void Message_NotATerminal_PlainLineWithTheLevelOnlyWhenItMatters(LogLevel level, string expected)
    {
        new ConsoleOutput(_out, _error).Message(level, "pushed x");

        Assert.Equal(expected, _error.ToString());
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public void Message_Journal_EveryLineStartsWithItsSyslogPriority()
    {
        var sut = new ConsoleOutput(_out, _error, journal: true);

        sut.Message(LogLevel.Warning, "slow\nsecond line");
        sut.Message(LogLevel.Information, "pushed x");

        Assert.Equal("<4>warning: slow\n<4>second line\n<6>pushed x\n", _error.ToString());
    }

    [Fact]
    public void Message_LiveDisplay_GoesThroughItsConsoleAndErasesTheRestOfEachLine()
    {
        using var terminal = new TestTerminal();

        new ConsoleOutput(_out, _error, live: terminal.Console).Message(LogLevel.Error, "cannot push to local: no space left");

        Assert.Empty(_error.ToString());
        Assert.Contains("error: cannot push to local: no space left\u001b[K", terminal.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LiveLineWriter_WholeLines_PrintThroughTheConsole()
    {
        using var terminal = new TestTerminal();
        using var writer = new LiveLineWriter(terminal.Console);

        writer.Write("cache local: ");
        Assert.Empty(terminal.Output);
        writer.WriteLine("2 narinfos");

        Assert.Contains("cache local: 2 narinfos\u001b[K", terminal.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LogLevel.Critical, 2)]
    [InlineData(LogLevel.Error, 3)]
    [InlineData(LogLevel.Warning, 4)]
    [InlineData(LogLevel.Information, 6)]
    [InlineData(LogLevel.Debug, 7)]
    public void Priority_LogLevel_IsTheSyslogOne(LogLevel level, int expected)
    {
        Assert.Equal(expected, ConsoleOutput.Priority(level));
    }
}
