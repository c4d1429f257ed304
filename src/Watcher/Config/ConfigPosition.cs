using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>A 1-based line and column in a config file, as editors and compilers print them.</summary>
internal readonly record struct ConfigPosition(int Line, int Column)
{
    /// <summary>The start of a Tomlyn span, whose positions are 0-based.</summary>
    public static ConfigPosition From(SourceSpan span) => new(span.Start.Line + 1, span.Start.Column + 1);

    public override string ToString() => $"{Line}:{Column}";
}
