using System.Text.Json.Serialization;

namespace Watcher.Hosting;

/// <summary>JSON for the control socket and <c>status --json</c>: snake_case, like most tools scripts pipe into jq.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(RetryResult))]
[JsonSerializable(typeof(LimitResult))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
