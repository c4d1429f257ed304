using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>An in-memory store: valid paths with their infos; tests add, rebuild and collect paths.</summary>
internal sealed class FakeStore : IStoreQueries
{
    private readonly Dictionary<StorePath, PathInfo> _valid = [];

    public string StoreDir => StorePath.DefaultStoreDir;

    /// <summary>How many path infos were asked for, in all.</summary>
    public int InfoQueries { get; private set; }

    /// <summary>Paths under temporary roots now.</summary>
    public HashSet<StorePath> TempRoots { get; } = [];

    /// <summary>How many times temporary roots were taken (each a daemon connection of its own in the real store).</summary>
    public int HoldCalls { get; private set; }

    /// <summary>
    /// Whether the garbage collector would keep <paramref name="path"/> for a temporary root now: it is one, or in the
    /// closure of one (a root keeps its closure alive).
    /// </summary>
    public bool IsHeld(StorePath path)
    {
        List<StorePath> roots;
        lock (TempRoots)
        {
            roots = [.. TempRoots];
        }

        lock (_valid)
        {
            var seen = new HashSet<StorePath>();
            var todo = new Stack<StorePath>(roots);
            while (todo.TryPop(out var held))
            {
                if (held == path)
                {
                    return true;
                }

                if (seen.Add(held) && _valid.TryGetValue(held, out var info))
                {
                    foreach (var reference in info.ReferencesExceptSelf)
                    {
                        todo.Push(reference);
                    }
                }
            }

            return false;
        }
    }

    /// <summary>A store with <paramref name="infos"/> valid.</summary>
    public static FakeStore With(IEnumerable<PathInfo> infos)
    {
        var store = new FakeStore();
        store.Add(infos);
        return store;
    }

    /// <summary>For a cache's upload hook: notes in <paramref name="held"/> whether each path was held while it went up.</summary>
    public Action<PathInfo> NoteHeld(IDictionary<StorePath, bool> held) => info =>
    {
        lock (held)
        {
            held[info.Path] = IsHeld(info.Path);
        }
    };

    public void Add(IEnumerable<PathInfo> infos)
    {
        lock (_valid)
        {
            foreach (var info in infos)
            {
                _valid[info.Path] = info;
            }
        }
    }

    /// <summary>Garbage-collects <paramref name="path"/>.</summary>
    public void Remove(StorePath path)
    {
        lock (_valid)
        {
            _valid.Remove(path);
        }
    }

    public Task<IReadOnlySet<StorePath>> QueryValidPathsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken)
    {
        lock (_valid)
        {
            return Task.FromResult<IReadOnlySet<StorePath>>(paths.Where(_valid.ContainsKey).ToHashSet());
        }
    }

    public Task<IReadOnlyList<StorePath>> QueryAllValidPathsAsync(CancellationToken cancellationToken)
    {
        lock (_valid)
        {
            return Task.FromResult<IReadOnlyList<StorePath>>([.. _valid.Keys]);
        }
    }

    public Task<IReadOnlyList<PathInfo?>> QueryPathInfosAsync(IReadOnlyList<StorePath> paths, CancellationToken cancellationToken)
    {
        lock (_valid)
        {
            InfoQueries += paths.Count;
            return Task.FromResult<IReadOnlyList<PathInfo?>>([.. paths.Select(p => _valid.GetValueOrDefault(p))]);
        }
    }

    public Task<IReadOnlyList<PathInfo>> QueryClosureAsync(IEnumerable<StorePath> roots, CancellationToken cancellationToken)
    {
        lock (_valid)
        {
            var closure = new Dictionary<StorePath, PathInfo>();
            var todo = new Stack<StorePath>(roots);
            while (todo.TryPop(out var path))
            {
                if (!closure.ContainsKey(path))
                {
                    var info = _valid[path];
                    closure[path] = info;
                    foreach (var reference in info.ReferencesExceptSelf)
                    {
                        todo.Push(reference);
                    }
                }
            }

            return Task.FromResult<IReadOnlyList<PathInfo>>(ClosureOrder.Sort(closure.Values));
        }
    }

    public Task<IDisposable> HoldTempRootsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken)
    {
        var held = paths.ToList();
        lock (TempRoots)
        {
            HoldCalls++;
            TempRoots.UnionWith(held);
        }

        return Task.FromResult<IDisposable>(new Release(() =>
        {
            lock (TempRoots)
            {
                TempRoots.ExceptWith(held);
            }
        }));
    }

    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
