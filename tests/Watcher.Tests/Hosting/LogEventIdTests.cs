using System.Reflection;
using Microsoft.Extensions.Logging;
using Watcher.Cli;

namespace Watcher.Tests.Hosting;

/// <summary>Event ids are how operators filter the journal (<c>EventId</c> in JSON logs): each names one message.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_EveryEventIdNamesOneMessage()
    {
        var messages = typeof(WatcherCli).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        var shared = messages
            .GroupBy(m => m.Attribute!.EventId)
            .Where(g => g.Select(m => m.Attribute!.EventName).Distinct().Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}"))}")
            .ToList();

        Assert.True(messages.Count > 50, $"only {messages.Count} logger messages found");
        Assert.Empty(shared);
    }
}
