namespace Watcher.Maintenance;

/// <summary>One thing <c>verify --repair</c> did.</summary>
/// <param name="Action"><c>delete-nar</c>, <c>remove-narinfo</c>, <c>push</c>, <c>push-failed</c>, or <c>excluded</c> (a path to push that <c>exclude</c> or <c>skip-derivations</c> keeps out).</param>
/// <param name="StorePath">The store path concerned, when known.</param>
/// <param name="Object">The object deleted or written.</param>
/// <param name="Detail">Why, in words.</param>
internal sealed record RepairAction(string Action, string? StorePath, string Object, string Detail)
{
    public override string ToString() => $"{Action} {StorePath ?? Object}: {Detail}";
}
