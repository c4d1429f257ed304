namespace Watcher.Maintenance;

/// <summary>
/// Where the long steps of a maintenance command (listing a cache, reading its narinfos, checking its NARs) say how far
/// they are: a live display on a terminal, a line now and then anywhere else.
/// </summary>
internal interface IStepProgress
{
    /// <summary>
    /// <paramref name="step"/> ("local: reading narinfos") has done <paramref name="done"/> items of
    /// <paramref name="total"/> (null while not known). Called for every item, from any thread.
    /// </summary>
    void Report(string step, long done, long? total);

    /// <summary><paramref name="step"/> is over.</summary>
    void Finished(string step);
}
