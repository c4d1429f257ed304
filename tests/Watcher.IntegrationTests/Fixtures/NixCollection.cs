namespace Watcher.IntegrationTests.Fixtures;

/// <summary>Tests that talk to the real nix-daemon share one <see cref="NixFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class NixCollection : ICollectionFixture<NixFixture>
{
    public const string Name = "nix";
}
