using MpiDescent.IO;
using MpiDescent.Losses;
using MpiDescent.Output;

namespace MpiDescent.Cli;

/// <summary><c>export</c>: writes a model in another program's format: LIBLINEAR's model file
/// (<see cref="LibLinearModelFile"/>) or ONNX (<see cref="OnnxModelFile"/>).</summary>
public static class ExportCommand
{
    /// <summary>Parses, checks the paths, reads the model (and its weights file) and writes the export.</summary>
    /// <exception cref="UsageException">A bad command line or output path.</exception>
    /// <exception cref="InputFileException">The model is missing or invalid, or the output cannot be
    /// written.</exception>
    public static void Run(IEnumerable<string> args, TextWriter output)
    {
        var line = CommandLine.Parse(CommandDefinitions.Export, args);
        line.RequirePositionals();
        string modelPath = line.Positionals[0], target = line.Positionals[1];
        string format = line.Choice("format", Path.GetExtension(target).Equals(".onnx",
            StringComparison.OrdinalIgnoreCase) ? "onnx" : "liblinear", "liblinear", "onnx");
        bool float64 = line.Choice("precision", "float32", "float32", "float64") == "float64";
        if (line.Has("precision") && format != "onnx")
            throw line.Error("--precision applies to --format onnx");
        OutputPaths.Check([new("the model", modelPath), ModelWeightsFile.NamedFor(modelPath)],
            [new("the output", target)]);
        var model = ModelFile.Read(modelPath);
        if (format == "onnx")
        {
            OnnxModelFile.Write(model, target, modelPath, float64);
            output.WriteLine($"{modelPath} ({model.Loss} loss, {model.FeatureCount} features) exported to {target} "
                + (float64 ? "as an ONNX model of standard float64 operators (input 'input' double "
                    : "as an ONNX-ML model (input 'input' float ") + $"[N, {model.FeatureCount}], outputs "
                + string.Join(", ", OnnxModelFile.OutputNames(LossKinds.Parse(model.Loss)).Select(n => $"'{n}'"))
                + (float64 ? "; float64 throughout)" : "; coefficients float32)"));
            return;
        }
        LibLinearModelFile.Write(model, target);
        output.WriteLine($"{modelPath} ({model.Loss} loss, {model.FeatureCount} features) exported to {target} as a " +
            $"LIBLINEAR model ({LibLinearModelFile.SolverType(model)}, bias 1): liblinear-predict DATA {target} OUT " +
            "gives its predictions, feature j of the model being LIBSVM index j + 1");
    }
}
