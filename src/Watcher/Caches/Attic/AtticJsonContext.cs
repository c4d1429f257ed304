using System.Text.Json.Serialization;

namespace Watcher.Caches.Attic;

/// <summary>Source-generated JSON for the Attic API: snake_case names, nulls written as attic's serde expects.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(AtticCacheConfig))]
[JsonSerializable(typeof(AtticGetMissingPathsRequest))]
[JsonSerializable(typeof(AtticGetMissingPathsResponse))]
[JsonSerializable(typeof(AtticUploadInfo))]
[JsonSerializable(typeof(AtticUploadResult))]
[JsonSerializable(typeof(AtticErrorBody))]
internal sealed partial class AtticJsonContext : JsonSerializerContext;
