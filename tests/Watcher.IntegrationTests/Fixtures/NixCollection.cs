namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Tests that talk to the real nix-daemon share one <see cref="NixFixture"/> and run one at a time: a daemon under test
/// watches the whole store, so beside another test it would push that test's builds and hold temporary roots on them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NixCollection : ICollectionFixture<NixFixture>
{
    public const string Name = "nix";
}
