using MpiDescent.Cli;

namespace MpiDescent.Tests.Cli;

public class DocumentationTests
{
    private static string Repository()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MpiDescent.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found above the test " +
            "directory");
    }

    private static IEnumerable<string> HelpTexts() =>
        new[] { HelpText.Main }.Concat(CommandDefinitions.All.Select(HelpText.For));

    [TestCaseSource(nameof(HelpTexts))]
    public void UsageDoc_ContainsEachHelpTextVerbatim(string help)
    {
        var usage = File.ReadAllText(Path.Combine(Repository(), "docs", "usage.md"));
        Assert.That(usage, Does.Contain(help.Trim()), "docs/usage.md is out of date: run scripts/update-usage-doc.sh");
    }
}
