using System.Text.Json.Serialization;

namespace Watcher.Maintenance;

/// <summary>JSON for <c>verify --json</c> and <c>gc --json</c>: snake_case, like <c>status --json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(GcReport))]
internal sealed partial class MaintenanceJsonContext : JsonSerializerContext;
