using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Watcher.Cli;

/// <summary>Options that never change, for a provider built without dependency injection.</summary>
internal sealed class FixedOptionsMonitor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(T value)
    : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
