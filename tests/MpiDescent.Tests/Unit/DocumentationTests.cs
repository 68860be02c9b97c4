using MpiDescent.Cli;

namespace MpiDescent.Tests.Unit;

public class DocumentationTests
{
    private static string Repository()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MpiDescent.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found above the test directory");
    }

    [TestCase(HelpText.Main)]
    [TestCase(HelpText.Train)]
    [TestCase(HelpText.Convert)]
    [TestCase(HelpText.Generate)]
    [TestCase(HelpText.Inspect)]
    [TestCase(HelpText.Predict)]
    [TestCase(HelpText.Evaluate)]
    [TestCase(HelpText.Bench)]
    public void UsageDoc_ContainsEachHelpTextVerbatim(string help)
    {
        var usage = File.ReadAllText(Path.Combine(Repository(), "docs", "usage.md"));
        Assert.That(usage, Does.Contain(help.Trim()), "docs/usage.md is out of date: regenerate it from 'MpiDescent COMMAND --help'");
    }
}
