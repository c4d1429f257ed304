using Mono.Cecil;

namespace Watcher.Tests.Architecture;

/// <summary>
/// Which folder of the app uses which, read from the compiled assembly: every type a type names in its signatures,
/// attributes, fields, locals and IL (calls, field accesses, casts, <c>typeof</c>), compiler-made nested types counted
/// as their outer type. A folder is a namespace under <c>Watcher</c> (<c>Watcher.Caches.S3</c> → <c>Caches/S3</c>).
/// </summary>
internal sealed class FolderGraph
{
    private readonly Dictionary<string, Dictionary<string, (string From, string To)>> _edges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Folders => _edges.Keys;

    /// <summary>The folders <paramref name="folder"/> uses, each with one example (a type there and the type it uses).</summary>
    public IReadOnlyDictionary<string, (string From, string To)> Uses(string folder) => _edges[folder];

    public static FolderGraph Read(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var graph = new FolderGraph();
        foreach (var type in module.GetTypes())
        {
            if (FolderOf(type) is not { } from)
            {
                continue;
            }

            var edges = graph.Node(from);
            foreach (var used in Referenced(type))
            {
                if (used.Module == module && FolderOf(used) is { } to && to != from)
                {
                    edges.TryAdd(to, (Outermost(type).FullName, Outermost(used).FullName));
                }
            }
        }

        return graph;
    }

    /// <summary>The folders of every cycle, each as the list of folders on it (strongly connected components of two or more).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        // Tarjan's algorithm over the folder graph.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<string>>();
        int next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in _edges[v].Keys)
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w) && index.TryGetValue(w, out int wIndex))
                {
                    low[v] = Math.Min(low[v], wIndex);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(component);
                }
            }
        }

        foreach (var folder in _edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return cycles;
    }

    /// <summary>Adds an edge by hand (for the test of the graph itself).</summary>
    public void Add(string from, string to)
    {
        Node(from).TryAdd(to, (from, to));
        Node(to);
    }

    private Dictionary<string, (string From, string To)> Node(string folder)
    {
        if (!_edges.TryGetValue(folder, out var edges))
        {
            _edges[folder] = edges = new(StringComparer.Ordinal);
        }

        return edges;
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static string? FolderOf(TypeReference type)
    {
        string ns = Outermost(type).Namespace;
        return ns == "Watcher" ? "(root)"
            : ns.StartsWith("Watcher.", StringComparison.Ordinal) ? ns["Watcher.".Length..].Replace('.', '/')
            : null;
    }

    private static List<TypeReference> Referenced(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification spec:
                    Add(spec.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(t);
                    return;
            }
        }

        void AddMethod(MethodReference m)
        {
            Add(m.DeclaringType);
            Add(m.ReturnType);
            foreach (var p in m.Parameters)
            {
                Add(p.ParameterType);
            }

            if (m is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                AddMethod(attribute.Constructor);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    Add(argument.Type);
                    Add(argument.Value as TypeReference);
                }
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var i in type.Interfaces)
        {
            Add(i.InterfaceType);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
            AddAttributes(property);
        }

        foreach (var method in type.Methods)
        {
            AddMethod(method);
            AddAttributes(method);
            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        Add(t);
                        break;
                    case MethodReference m:
                        AddMethod(m);
                        break;
                    case FieldReference f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }

            foreach (var handler in method.Body.ExceptionHandlers)
            {
                Add(handler.CatchType);
            }
        }

        return found;
    }
}
