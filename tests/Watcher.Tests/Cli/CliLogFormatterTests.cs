using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Cli;

namespace Watcher.Tests.Cli;

public sealed class CliLogFormatterTests
{
    [Theory]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "fail")]
    [InlineData(LogLevel.Debug, "dbug")]
    public void Write_Message_IsOneLineWithLevelCategoryAndEventId(LogLevel level, string prefix)
    {
        string text = Format(level, "pushed /nix/store/x to local", exception: null);

        Assert.Equal($"{prefix}: Watcher.Push[100] pushed /nix/store/x to local\n", text);
    }

    [Fact]
    public void Write_MultiLineMessageAndException_StayOnOneLine()
    {
        string text = Format(LogLevel.Error, "first\nsecond", new InvalidOperationException("broken\nbadly"));

        Assert.StartsWith("fail: Watcher.Push[100] first second System.InvalidOperationException: broken badly", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void CreateLoggerFactory_BelowTheMinimum_IsFilteredOut()
    {
        using ILoggerFactory factory = WatcherCli.CreateLoggerFactory(LogLevel.Warning);
        ILogger logger = factory.CreateLogger("Watcher.Push");

        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
    }

    private static string Format(LogLevel level, string message, Exception? exception)
    {
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "Watcher.Push", new EventId(100, "Pushed"), message, exception, (state, _) => state);
        new CliLogFormatter().Write(entry, scopeProvider: null, writer);
        return writer.ToString();
    }
}
