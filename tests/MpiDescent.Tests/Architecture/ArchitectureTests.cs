using System.Text.RegularExpressions;

namespace MpiDescent.Tests.Architecture;

/// <summary>The source tree keeps its shape: folders that depend on each other only one way (no circles), files no
/// wider than 120 characters, and tests laid out as the sources are.</summary>
public class ArchitectureTests
{
    private static string Repository() => TestData.RepositoryRoot;

    private static string Source => Path.Combine(Repository(), "src", "MpiDescent");

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    /// <summary>The component of a source file: its top folder, and for Training its sub-folder (objectives, solvers,
    /// preparation and metrics are layers of their own); files at the root are the root component.</summary>
    private static string ComponentOf(string file)
    {
        var parts = Path.GetRelativePath(Source, file).Split(Path.DirectorySeparatorChar);
        if (parts.Length == 1) return "(root)";
        return parts[0] == "Training" && parts.Length > 2 ? $"Training.{parts[1]}" : parts[0];
    }

    private const string Components = "Cli|Communication|Data|IO|Losses|Model|Numerics|Output";
    private const string Layers = "Objectives|Solvers|Preparation|Metrics";

    private static readonly Regex Reference = new(
        $@"\bMpiDescent\.(?<c>{Components}|Training)(\.(?<s>{Layers}))?\b"
        + $@"|(?<![\w.])(?<c>{Components})\.(?=[A-Z]\w*[.(<\s;,)\]])"
        + $@"|(?<![\w.])Training\.(?<s>{Layers})\.");

    /// <summary>Every component's dependencies, from its using directives and qualified names.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var file in SourceFiles(Source))
        {
            var from = ComponentOf(file);
            if (!graph.TryGetValue(from, out var set)) graph[from] = set = [];
            foreach (Match m in Reference.Matches(File.ReadAllText(file)))
            {
                string component = m.Groups["c"].Success ? m.Groups["c"].Value : "Training";
                if (component == "Training" && m.Groups["s"].Success) component = $"Training.{m.Groups["s"].Value}";
                if (component == "Training") continue; // the namespace of the sub-folders only
                if (component != from) set.Add(component);
            }
        }
        return graph;
    }

    [Test]
    public void Folders_DependOnEachOtherOneWayOnly()
    {
        var graph = Dependencies();
        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            // Every component reachable from start; a path back to start is a circle.
            var stack = new Stack<(string Node, string Path)>([(start, start)]);
            var seen = new HashSet<string>();
            while (stack.Count > 0)
            {
                var (node, path) = stack.Pop();
                foreach (var next in graph.GetValueOrDefault(node) ?? [])
                {
                    if (next == start) { cycles.Add($"{path} -> {start}"); continue; }
                    if (seen.Add(next)) stack.Push((next, $"{path} -> {next}"));
                }
            }
        }
        var layers = string.Join("\n", graph.OrderBy(g => g.Key).Select(g =>
            $"{g.Key} -> {string.Join(", ", g.Value.Order())}"));
        Assert.That(cycles, Is.Empty,
            $"folders that use each other:\n{string.Join("\n", cycles.Distinct())}\n\n{layers}");
        TestContext.Out.WriteLine(layers);
    }

    [Test]
    public void SourceLines_AtMost120Characters()
    {
        var repository = Repository();
        var tooLong = new[] { "src", "tests", "bench" }.SelectMany(d => SourceFiles(Path.Combine(repository, d)))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Length: line.Length)))
            .Where(x => x.Length > 120)
            .Select(x => $"{Path.GetRelativePath(repository, x.File)}:{x.Line}: {x.Length} characters").ToArray();
        Assert.That(tooLong, Is.Empty);
    }

    /// <summary>A unit test of a source folder lives in the test folder of the same name; integration tests (real
    /// mpiexec jobs) in Integration/, and the tree's own checks here.</summary>
    [Test]
    public void TestFolders_MirrorTheSourceFolders()
    {
        var tests = Path.Combine(Repository(), "tests", "MpiDescent.Tests");
        var sourceFolders = Directory.GetDirectories(Source).Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj")).ToHashSet();
        var extra = Directory.GetDirectories(tests).Select(Path.GetFileName)
            .Where(n => n is not ("bin" or "obj" or "Integration" or "Architecture") && !sourceFolders.Contains(n!))
            .ToArray();
        Assert.That(extra, Is.Empty, "test folders without a source folder of that name");
        var loose = Directory.GetFiles(tests, "*Tests.cs").Select(Path.GetFileName).ToArray();
        Assert.That(loose, Is.Empty, "test classes outside a folder");
    }
}
