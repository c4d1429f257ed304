using System.Text.Json.Serialization;

namespace Watcher.State;

/// <summary>Source-generated JSON for the journal's path infos (nulls left out).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournaledPathInfo))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
