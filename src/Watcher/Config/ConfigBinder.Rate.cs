using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>The <c>max-upload-rate</c> keys of <see cref="ConfigBinder"/>.</summary>
internal sealed partial class ConfigBinder
{
    /// <summary>Reads a rate or timetable; a TOML integer is bytes per second. A bad one is reported, never guessed.</summary>
    private RateSchedule? GetRateSchedule(TableReader reader, string key)
    {
        TomlNode? node = reader.Find(key);
        if (node is null)
        {
            return null;
        }

        string? error;
        switch (node.Value)
        {
            case StringValueSyntax { Value: { } text }:
                if (RateSchedule.TryParse(text, out RateSchedule schedule, out error))
                {
                    return schedule;
                }

                break;
            case IntegerValueSyntax integer:
                if (UploadRate.TryCheck(integer.Value, integer.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), out long? rate, out error))
                {
                    return RateSchedule.Constant(rate);
                }

                break;
            default:
                error = "it is neither a string nor an integer (bytes per second)";
                break;
        }

        _errors.Add(TableReader.ValuePosition(node), $"'{node.Path}' must be {RateSchedule.Expected}; {error}");
        return null;
    }
}
