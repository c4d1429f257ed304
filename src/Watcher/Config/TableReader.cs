using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>
/// Reads typed keys from one table, reporting wrong types and out-of-range values to
/// <see cref="ConfigErrors"/> (and returning <see langword="null"/>) instead of throwing, and remembers
/// which keys were read so that the rest can be reported as unknown.
/// </summary>
internal sealed class TableReader
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public TableReader(TomlNode table, ConfigErrors errors)
    {
        Table = table;
        Errors = errors;
    }

    public TomlNode Table { get; }

    public ConfigErrors Errors { get; }

    /// <summary>Looks a key up and marks it as known.</summary>
    public TomlNode? Find(string key)
    {
        _read.Add(key);
        return Table[key];
    }

    public string? GetString(string key) => Find(key) is { } node ? AsString(node) : null;

    public bool? GetBoolean(string key)
    {
        TomlNode? node = Find(key);
        if (node is null)
        {
            return null;
        }

        if (node.Value is BooleanValueSyntax boolean)
        {
            return boolean.Value;
        }

        ReportType(node, "a boolean");
        return null;
    }

    /// <summary>Reads an integer and checks it lies in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public int? GetInt(string key, int min, int max = int.MaxValue)
    {
        TomlNode? node = Find(key);
        if (node is null)
        {
            return null;
        }

        if (node.Value is not IntegerValueSyntax integer)
        {
            ReportType(node, "an integer");
            return null;
        }

        if (integer.Value < min || integer.Value > max)
        {
            string range = max == int.MaxValue ? $"≥ {min}" : $"between {min} and {max}";
            Errors.Add(ValuePosition(node), $"'{node.Path}' must be {range}, not {integer.Value}");
            return null;
        }

        return (int)integer.Value;
    }

    /// <summary>Reads a string that must be one of <paramref name="allowed"/>.</summary>
    public string? GetEnum(string key, params string[] allowed)
    {
        TomlNode? node = Find(key);
        if (node is null)
        {
            return null;
        }

        string choices = string.Join(" | ", allowed);
        if (node.Value is not StringValueSyntax text)
        {
            Errors.Add(ValuePosition(node), $"'{node.Path}' must be a string ({choices}), not {Describe(node)}");
            return null;
        }

        if (!allowed.Contains(text.Value, StringComparer.Ordinal))
        {
            Errors.Add(ValuePosition(node), $"'{node.Path}' must be one of {choices}, not '{text.Value}'");
            return null;
        }

        return text.Value;
    }

    /// <summary>Reads an array of strings, each with its position (for per-item errors).</summary>
    public IReadOnlyList<(string Text, ConfigPosition Position)>? GetStringArray(string key)
    {
        TomlNode? node = Find(key);
        if (node is null)
        {
            return null;
        }

        if (node.Value is not ArraySyntax array)
        {
            ReportType(node, "an array of strings");
            return null;
        }

        var items = new List<(string, ConfigPosition)>();
        bool ok = true;
        foreach (ArrayItemSyntax item in array.Items)
        {
            if (item.Value is StringValueSyntax { Value: { } text })
            {
                items.Add((text, ConfigPosition.From(item.Value.Span)));
            }
            else if (item.Value is not null)
            {
                Errors.Add(ConfigPosition.From(item.Value.Span), $"'{node.Path}' must be an array of strings, but an item is {Describe(item.Value)}");
                ok = false;
            }
        }

        return ok ? items : null;
    }

    /// <summary>Gets a sub-table, reporting a non-table value.</summary>
    public TomlNode? GetTable(string key)
    {
        TomlNode? node = Find(key);
        return node is not null && CheckTable(node) ? node : null;
    }

    /// <summary>Checks that a node is a plain table, reporting it otherwise.</summary>
    public bool CheckTable(TomlNode node)
    {
        if (node.IsTableArray)
        {
            Errors.Add(node, $"'{node.Path}' must be a table, not an array of tables");
            return false;
        }

        if (!node.IsTable)
        {
            ReportType(node, "a table");
            return false;
        }

        return true;
    }

    /// <summary>Reports each key that was never looked up; <paramref name="describe"/> may explain a known-elsewhere key.</summary>
    public void ReportUnknown(Func<TomlNode, string?>? describe = null)
    {
        foreach (TomlNode child in Table.Children)
        {
            if (!_read.Contains(child.Name))
            {
                string what = child.IsTable ? "table" : "key";
                Errors.Add(child, describe?.Invoke(child) ?? $"unknown {what} '{child.Path}'");
            }
        }
    }

    public string? AsString(TomlNode node)
    {
        if (node.Value is StringValueSyntax { Value: { } text })
        {
            return text;
        }

        ReportType(node, "a string");
        return null;
    }

    public static ConfigPosition ValuePosition(TomlNode node) =>
        node.Value is null ? node.Position : ConfigPosition.From(node.Value.Span);

    private void ReportType(TomlNode node, string expected) =>
        Errors.Add(ValuePosition(node), $"'{node.Path}' must be {expected}, not {Describe(node)}");

    private static string Describe(TomlNode node) =>
        node.IsTableArray ? "an array of tables" : node.Value is null ? "a table" : Describe(node.Value);

    private static string Describe(ValueSyntax value) => value switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        DateTimeValueSyntax => "a date-time",
        _ => "something else",
    };
}
