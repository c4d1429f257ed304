using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>
/// A key of the parsed document with where it was written: a scalar or array (<see cref="Value"/>) or a
/// table (<see cref="Children"/>). Built from Tomlyn's syntax tree because Tomlyn's model and serializer
/// drop positions and silently ignore unknown keys.
/// </summary>
internal sealed class TomlNode
{
    private readonly Dictionary<string, TomlNode> _children = new(StringComparer.Ordinal);
    private readonly List<TomlNode> _order = [];

    private TomlNode(string path, string name, ConfigPosition position, ValueSyntax? value, bool isTableArray)
    {
        Path = path;
        Name = name;
        Position = position;
        Value = value;
        IsTableArray = isTableArray;
    }

    /// <summary>The dotted key (<c>caches.home.type</c>); empty for the document.</summary>
    public string Path { get; }

    /// <summary>The last segment of <see cref="Path"/>.</summary>
    public string Name { get; }

    /// <summary>Where the key (for a table: its first header or dotted key) was written.</summary>
    public ConfigPosition Position { get; }

    /// <summary>The value when this is not a table.</summary>
    public ValueSyntax? Value { get; }

    /// <summary>Whether this was written as <c>[[array.of.tables]]</c>, which no Watcher key is.</summary>
    public bool IsTableArray { get; private set; }

    public bool IsTable => Value is null;

    /// <summary>The keys of a table, in the order they first appear.</summary>
    public IReadOnlyList<TomlNode> Children => _order;

    public TomlNode? this[string name] => _children.GetValueOrDefault(name);

    /// <summary>Builds the tree of a document that Tomlyn parsed and validated without errors.</summary>
    public static TomlNode FromDocument(DocumentSyntax document)
    {
        var root = new TomlNode(string.Empty, string.Empty, new ConfigPosition(1, 1), null, false);
        foreach (KeyValueSyntax keyValue in document.KeyValues)
        {
            root.AddKeyValue(keyValue);
        }

        foreach (TableSyntaxBase table in document.Tables)
        {
            if (table.Name is null)
            {
                continue;
            }

            ConfigPosition position = ConfigPosition.From(table.Span);
            if (table.OpenBracket is not null)
            {
                position = ConfigPosition.From(table.OpenBracket.Span);
            }

            TomlNode node = root.GetOrAddTables(KeyParts(table.Name), position);
            node.IsTableArray |= table is TableArraySyntax;
            foreach (KeyValueSyntax keyValue in table.Items)
            {
                node.AddKeyValue(keyValue);
            }
        }

        return root;
    }

    private void AddKeyValue(KeyValueSyntax keyValue)
    {
        if (keyValue.Key is null || keyValue.Value is null)
        {
            return;
        }

        ConfigPosition position = ConfigPosition.From(keyValue.Key.Span);
        List<string> parts = KeyParts(keyValue.Key);
        TomlNode parent = GetOrAddTables(parts[..^1], position);
        string name = parts[^1];
        if (keyValue.Value is InlineTableSyntax inline)
        {
            TomlNode table = parent.GetOrAdd(name, position, null);
            foreach (InlineTableItemSyntax item in inline.Items)
            {
                if (item.KeyValue is not null)
                {
                    table.AddKeyValue(item.KeyValue);
                }
            }
        }
        else
        {
            parent.GetOrAdd(name, position, keyValue.Value);
        }
    }

    private TomlNode GetOrAddTables(List<string> parts, ConfigPosition position)
    {
        TomlNode node = this;
        foreach (string part in parts)
        {
            node = node.GetOrAdd(part, position, null);
        }

        return node;
    }

    private TomlNode GetOrAdd(string name, ConfigPosition position, ValueSyntax? value)
    {
        if (!_children.TryGetValue(name, out TomlNode? child))
        {
            string path = Path.Length == 0 ? name : Path + "." + name;
            child = new TomlNode(path, name, position, value, false);
            _children.Add(name, child);
            _order.Add(child);
        }

        return child;
    }

    private static List<string> KeyParts(KeySyntax key)
    {
        List<string> parts = [KeyText(key.Key)];
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            parts.Add(KeyText(dotted.Key));
        }

        return parts;
    }

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };
}
