namespace Watcher.Store;

/// <summary>The worker-protocol opcodes this client sends. Only ops every supported daemon knows are listed.</summary>
internal enum WorkerOp : ulong
{
    AddTempRoot = 11,
    QueryAllValidPaths = 23,
    QueryPathInfo = 26,
    QueryPathFromHashPart = 29,
    QueryValidPaths = 31,
    NarFromPath = 38,
}
