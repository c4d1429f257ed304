using System.Text.Json.Serialization;

namespace Watcher.Cli;

/// <summary>JSON for <c>push --json</c> and <c>scan --json</c> (and any command's error under <c>--json</c>): snake_case, like <c>status --json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PushSummary))]
[JsonSerializable(typeof(CommandError))]
internal sealed partial class PushJsonContext : JsonSerializerContext;
