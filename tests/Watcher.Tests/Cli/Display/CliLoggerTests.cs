using Microsoft.Extensions.Logging;
using Watcher.Cli;
using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class CliLoggerTests : IDisposable
{
    private readonly StringWriter _error = new();

    public void Dispose() => _error.Dispose();

    [Fact]
    public void Log_Message_WithoutCategoryOrEventId()
    {
        using var factory = WatcherCli.CreateLoggerFactory(LogLevel.Information, new ConsoleOutput(TextWriter.Null, _error));

        factory.CreateLogger("Watcher.Push").Log(LogLevel.Information, new EventId(100, "PathPushed"), "pushed /nix/store/x to local (12 bytes)", null, (state, _) => state);

        Assert.Equal("pushed /nix/store/x to local (12 bytes)\n", _error.ToString());
    }

    [Fact]
    public void Log_BelowTheMinimum_PrintsNothing()
    {
        using var factory = WatcherCli.CreateLoggerFactory(LogLevel.Warning, new ConsoleOutput(TextWriter.Null, _error));

        factory.CreateLogger("Watcher.Push").Log(LogLevel.Information, default, "pushed /nix/store/x to local", null, (state, _) => state);

        Assert.Empty(_error.ToString());
    }

    [Fact]
    public void Log_WithException_MessageThenTheException()
    {
        var logger = new CliLogger(new ConsoleOutput(TextWriter.Null, _error));

        logger.Log(LogLevel.Error, default, "cannot push", new InvalidOperationException("boom"), (state, _) => state);

        Assert.StartsWith("error: cannot push\nSystem.InvalidOperationException: boom", _error.ToString(), StringComparison.Ordinal);
    }
}
