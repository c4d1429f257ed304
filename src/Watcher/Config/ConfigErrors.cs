using Watcher.Core;

namespace Watcher.Config;

/// <summary>
/// Collects every problem found in one config file so that they are all reported at once, each as
/// <c>file:line:column: message</c>, one per line.
/// </summary>
internal sealed class ConfigErrors
{
    private readonly List<string> _messages = [];

    public ConfigErrors(string file)
    {
        File = file;
    }

    /// <summary>The file named in every message.</summary>
    public string File { get; }

    public int Count => _messages.Count;

    public IReadOnlyList<string> Messages => _messages;

    public void Add(ConfigPosition? position, string message)
    {
        _messages.Add(position is { } p ? $"{File}:{p.Line}:{p.Column}: {message}" : $"{File}: {message}");
    }

    public void Add(TomlNode node, string message) => Add(node.Position, message);

    /// <summary>Throws a <see cref="ConfigException"/> carrying every message, if there are any.</summary>
    public void ThrowIfAny()
    {
        if (_messages.Count > 0)
        {
            throw new ConfigException(string.Join(Environment.NewLine, _messages));
        }
    }
}
