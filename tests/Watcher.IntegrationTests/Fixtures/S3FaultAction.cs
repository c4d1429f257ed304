namespace Watcher.IntegrationTests.Fixtures;

/// <summary>What an <see cref="S3Front"/> does with a request after its faults were drawn.</summary>
public enum S3FaultAction
{
    /// <summary>Forward it as it came.</summary>
    Forward,

    /// <summary>Nothing more: it was answered (or its connection dropped) already.</summary>
    Answered,

    /// <summary>Forward only the first half of its body, with the Content-Length to match.</summary>
    ForwardCut,

    /// <summary>Forward its whole body with one byte in the middle changed.</summary>
    ForwardFlipped,
}
