using System.Globalization;
using Google.Protobuf;
using MpiDescent.IO;
using MpiDescent.Losses;

namespace MpiDescent.Output;

/// <summary>
/// A model as an ONNX-ML graph (ONNX's <c>ModelProto</c>, IR version 8, opsets "" 13 and "ai.onnx.ml" 1), written with
/// Google.Protobuf's <see cref="CodedOutputStream"/> by the field numbers of ONNX's <c>onnx-ml.proto</c>, so that ONNX
/// Runtime, ML.NET and the other ONNX tools score it. One node reads the input <c>input</c>, float [N, d]:
/// <list type="bullet">
/// <item>squared loss: <c>LinearRegressor</c> (one target), output <c>variable</c>, float [N, 1];</item>
/// <item>logistic, hinge, squared hinge: <c>LinearClassifier</c> with one coefficient row and the two class labels
/// (negative, positive), whose label is the positive one when x·w + b &gt; 0, as MpiDescent predicts; outputs
/// <c>label</c> [N] and <c>probabilities</c> [N, 2], [1 − σ(z), σ(z)] for logistic (post_transform LOGISTIC), or
/// <c>scores</c> [N, 2] for the hinge losses;</item>
/// <item>softmax: <c>LinearClassifier</c> with K rows, post_transform SOFTMAX: <c>label</c> (argmax) and
/// <c>probabilities</c> [N, K].</item>
/// </list>
/// Labels are int64 (the data's labels: 0/1, −1/+1, or the class index), or strings when the training data's labels
/// were text. The weights are the model's, on the raw features (a standardized model is saved unstandardized). ONNX-ML
/// stores coefficients as float32 and ONNX Runtime computes these operators in float32, so scores agree with
/// MpiDescent's float64 ones to float32 rounding, not bit for bit.
/// <para>With <c>double</c> precision (<see cref="BuildDouble"/>) the graph is of standard operators in float64
/// instead (opset 13: MatMul, Add, Sigmoid or Softmax, Greater or ArgMax, Gather), with a double input and the same
/// output names, so that scores agree with MpiDescent's to float64 rounding; every ONNX runtime runs it, but tools that
/// look for the ONNX-ML linear operators (ML.NET's featurizers) do not recognize it.</para>
/// </summary>
public static class OnnxModelFile
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 8;

    /// <summary>The most coefficients exported: their float32 bytes stay below protobuf's 2 GiB message limit with
    /// room for the rest.</summary>
    public const long MaxCoefficients = 500_000_000;

    /// <summary>The names of the graph's outputs for <paramref name="loss"/>.</summary>
    public static string[] OutputNames(LossKind loss) => loss == LossKind.Squared ? ["variable"]
        : ["label", loss is LossKind.Logistic or LossKind.Softmax ? "probabilities" : "scores"];

    /// <summary>Writes <paramref name="model"/> (as <see cref="ModelFile.Read"/> returns it, weights filled in) to
    /// <paramref name="path"/> atomically, as ONNX-ML's float32 operators, or with <paramref name="float64"/> as
    /// standard operators in float64.</summary>
    /// <exception cref="UsageException">A weight beyond float32's range, which ONNX-ML cannot store.</exception>
    /// <exception cref="InputFileException">The file cannot be written.</exception>
    public static void Write(ModelFile model, string path, string modelPath, bool float64 = false)
    {
        var bytes = float64 ? BuildDouble(model, modelPath) : Build(model, modelPath);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The ModelProto's bytes of the float64 graph: z = input·W + b by MatMul and Add; squared: z is the
    /// output 'variable'; logistic: 'probabilities' = [1 − σ(z), σ(z)]; hinge losses: 'scores' = [−z, z]; binary
    /// 'label' = the class labels gathered at (z &gt; 0); softmax: 'probabilities' = softmax(z) and 'label' the labels
    /// gathered at argmax(z) (the first of equals, as MpiDescent predicts).</summary>
    public static byte[] BuildDouble(ModelFile model, string modelPath)
    {
        var loss = LossKinds.Parse(model.Loss);
        double[][] weights = model.WeightMatrix ?? [model.Weights];
        double[] intercepts = model.Intercepts ?? [model.Intercept];
        int d = model.FeatureCount, k = weights.Length;
        if ((long)k * d > MaxCoefficients / 2)
            throw new UsageException($"{modelPath}: {k} x {d} coefficients are more than the {MaxCoefficients / 2} "
                + "float64 values that fit an ONNX file (protobuf messages end at 2 GiB)");
        // W as d × K, row-major: W[j, c] = weights[c][j].
        var w = new double[(long)d * k];
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++) w[(long)j * k + c] = weights[c][j];
        var graph = new Message().String(2, "MpiDescent")
            .String(10, $"{model.Loss} model of {d} features from {Path.GetFileName(modelPath)} (float64)");
        var initializers = new List<Message> { DoubleTensor("W", [d, k], w), DoubleTensor("B", [k], intercepts) };
        var nodes = new List<Message>
        {
            Node("MatMul", ["input", "W"], ["product"]),
            Node("Add", ["product", "B"], [loss == LossKind.Squared ? "variable" : "z"]),
        };
        var outputs = new List<Message>();
        if (loss == LossKind.Squared) outputs.Add(Value("variable", 11, ["N", 1]));
        else
        {
            int classes = loss.IsMultiClass() ? k : 2;
            string[]? names = model.ClassNames?.Take(classes).ToArray();
            initializers.Add(names is not null ? StringTensor("classes", names)
                : Int64Tensor("classes", [classes], loss.IsMultiClass()
                    ? Enumerable.Range(0, classes).Select(c => (long)c).ToArray()
                    : model.ClassLabels!.Select(l => (long)l).ToArray()));
            if (loss.IsMultiClass())
            {
                nodes.Add(Node("Softmax", ["z"], ["probabilities"]).Nested(5, IntAttribute("axis", 1)));
                nodes.Add(Node("ArgMax", ["z"], ["index"]).Nested(5, IntAttribute("axis", 1))
                    .Nested(5, IntAttribute("keepdims", 0)));
            }
            else
            {
                initializers.Add(DoubleTensor("zero", [1], [0.0]));
                initializers.Add(Int64Tensor("column", [1], [1]));
                nodes.Add(Node("Greater", ["z", "zero"], ["positive"]));
                nodes.Add(Node("Cast", ["positive"], ["positive_index"]).Nested(5, IntAttribute("to", 7)));
                nodes.Add(Node("Squeeze", ["positive_index", "column"], ["index"]));
                if (loss == LossKind.Logistic)
                {
                    initializers.Add(DoubleTensor("one", [1], [1.0]));
                    nodes.Add(Node("Sigmoid", ["z"], ["p"]));
                    nodes.Add(Node("Sub", ["one", "p"], ["q"]));
                    nodes.Add(Node("Concat", ["q", "p"], ["probabilities"]).Nested(5, IntAttribute("axis", 1)));
                }
                else
                {
                    nodes.Add(Node("Neg", ["z"], ["negative_z"]));
                    nodes.Add(Node("Concat", ["negative_z", "z"], ["scores"]).Nested(5, IntAttribute("axis", 1)));
                }
            }
            nodes.Add(Node("Gather", ["classes", "index"], ["label"]).Nested(5, IntAttribute("axis", 0)));
            outputs.Add(Value("label", names is null ? 7 : 8, ["N"]));
            outputs.Add(Value(OutputNames(loss)[1], 11, ["N", classes]));
        }
        foreach (var node in nodes) graph.Nested(1, node);
        foreach (var initializer in initializers) graph.Nested(5, initializer);
        graph.Nested(11, Value("input", 11, ["N", d]));
        foreach (var output in outputs) graph.Nested(12, output);
        return ModelProto(graph, onnxMl: false);
    }

    /// <summary>The ModelProto around <paramref name="graph"/>: IR version, producer, opset "" 13 and, for the ONNX-ML
    /// operators, "ai.onnx.ml" 1.</summary>
    private static byte[] ModelProto(Message graph, bool onnxMl)
    {
        string version = typeof(OnnxModelFile).Assembly.GetName().Version?.ToString() ?? "";
        var model = new Message()
            .Int(1, IrVersion)
            .String(2, "MpiDescent")
            .String(3, version)
            .Nested(7, graph)
            .Nested(8, new Message().String(1, "").Int(2, 13));
        if (onnxMl) model.Nested(8, new Message().String(1, "ai.onnx.ml").Int(2, 1));
        return model.ToArray();
    }

    /// <summary>A NodeProto of the default domain: inputs 1, outputs 2, name 3, op_type 4.</summary>
    private static Message Node(string op, string[] inputs, string[] outputs) =>
        new Message().Strings(1, inputs).Strings(2, outputs).String(3, $"{op}_{outputs[0]}").String(4, op);

    // TensorProto: dims 1 (int64), data_type 2 (1 float, 7 int64, 8 string, 11 double), string_data 6,
    // int64_data 7, name 8, raw_data 9 (little-endian values).
    private static Message DoubleTensor(string name, long[] dims, double[] values)
    {
        var raw = new byte[checked(values.LongLength * 8)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(raw);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("a big-endian machine");
        return new Message().Ints(1, dims).Int(2, 11).String(8, name).Bytes(9, raw);
    }

    private static Message Int64Tensor(string name, long[] dims, long[] values) =>
        new Message().Ints(1, dims).Int(2, 7).Ints(7, values).String(8, name);

    private static Message StringTensor(string name, string[] values) =>
        new Message().Ints(1, [values.Length]).Int(2, 8).Strings(6, values).String(8, name);

    /// <summary>The ModelProto's bytes.</summary>
    public static byte[] Build(ModelFile model, string modelPath)
    {
        var loss = LossKinds.Parse(model.Loss);
        double[][] weights = model.WeightMatrix ?? [model.Weights];
        double[] intercepts = model.Intercepts ?? [model.Intercept];
        int d = model.FeatureCount;
        if ((long)weights.Length * d > MaxCoefficients)
            throw new UsageException($"{modelPath}: {weights.Length} x {d} coefficients are more than the "
                + $"{MaxCoefficients} that fit an ONNX file (protobuf messages end at 2 GiB)");
        var coefficients = new float[(long)weights.Length * d];
        for (int k = 0; k < weights.Length; k++)
            for (int j = 0; j < d; j++) coefficients[(long)k * d + j] = Single(weights[k][j], modelPath, $"weight {j}");
        var bias = intercepts.Select(b => Single(b, modelPath, "the intercept")).ToArray();
        var outputs = OutputNames(loss);
        var node = new Message()
            .String(1, "input")
            .Strings(2, outputs)
            .String(3, loss == LossKind.Squared ? "LinearRegressor" : "LinearClassifier")
            .String(4, loss == LossKind.Squared ? "LinearRegressor" : "LinearClassifier")
            .String(7, "ai.onnx.ml")
            .Nested(5, FloatsAttribute("coefficients", coefficients))
            .Nested(5, FloatsAttribute("intercepts", bias));
        var graphOutputs = new List<Message>();
        if (loss == LossKind.Squared)
        {
            node.Nested(5, IntAttribute("targets", 1));
            graphOutputs.Add(Value("variable", 1, ["N", 1]));
        }
        else
        {
            string transform = loss switch
            {
                LossKind.Logistic => "LOGISTIC",
                LossKind.Softmax => "SOFTMAX",
                _ => "NONE",
            };
            node.Nested(5, StringAttribute("post_transform", transform));
            int classes = loss.IsMultiClass() ? weights.Length : 2;
            string[]? names = model.ClassNames?.Take(classes).ToArray();
            if (names is not null) node.Nested(5, StringsAttribute("classlabels_strings", names));
            else
                node.Nested(5, IntsAttribute("classlabels_ints", loss.IsMultiClass()
                    ? Enumerable.Range(0, classes).Select(k => (long)k).ToArray()
                    : model.ClassLabels!.Select(l => (long)l).ToArray()));
            graphOutputs.Add(Value("label", names is null ? 7 : 8, ["N"]));
            graphOutputs.Add(Value(outputs[1], 1, ["N", classes]));
        }
        var graph = new Message()
            .Nested(1, node)
            .String(2, "MpiDescent")
            .String(10, $"{model.Loss} model of {d} features from {Path.GetFileName(modelPath)}")
            .Nested(11, Value("input", 1, ["N", d]));
        foreach (var output in graphOutputs) graph.Nested(12, output);
        return ModelProto(graph, onnxMl: true);
    }

    private static float Single(double value, string modelPath, string what)
    {
        float f = (float)value;
        if (!float.IsFinite(f))
            throw new UsageException($"{modelPath}: {what} is {value.ToString("R", CultureInfo.InvariantCulture)}, "
                + "beyond float32's range (±3.4e38), in which ONNX-ML stores coefficients: it cannot be exported");
        return f;
    }

    /// <summary>A ValueInfoProto: a tensor of element type <paramref name="elementType"/> (TensorProto.DataType:
    /// 1 float, 7 int64, 8 string, 11 double) and shape, each dimension a size or a symbolic name.</summary>
    private static Message Value(string name, int elementType, object[] shape)
    {
        var dims = new Message();
        foreach (var dim in shape)
            dims.Nested(1, dim is string symbol ? new Message().String(2, symbol)
                : new Message().Int(1, System.Convert.ToInt64(dim, CultureInfo.InvariantCulture)));
        var tensor = new Message().Int(1, elementType).Nested(2, dims);
        return new Message().String(1, name).Nested(2, new Message().Nested(1, tensor));
    }

    // AttributeProto: name 1, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8), i 3, s 4, floats 7,
    // ints 8, strings 9.
    private static Message FloatsAttribute(string name, float[] values) =>
        new Message().String(1, name).Int(20, 6).Floats(7, values);

    private static Message IntsAttribute(string name, long[] values) =>
        new Message().String(1, name).Int(20, 7).Ints(8, values);

    private static Message IntAttribute(string name, long value) => new Message().String(1, name).Int(20, 2).Int(3,
        value);

    private static Message StringAttribute(string name, string value) =>
        new Message().String(1, name).Int(20, 3).String(4, value);

    private static Message StringsAttribute(string name, string[] values) =>
        new Message().String(1, name).Int(20, 8).Strings(9, values);

    /// <summary>A protobuf message being written: fields in the order added, nested messages as length-delimited
    /// fields, repeated numbers packed (which proto2 parsers accept as they accept unpacked ones).</summary>
    private sealed class Message
    {
        private readonly MemoryStream _bytes = new();
        private readonly CodedOutputStream _output;

        public Message() => _output = new CodedOutputStream(_bytes, leaveOpen: true);

        public Message Int(int field, long value)
        {
            _output.WriteTag(field, WireFormat.WireType.Varint);
            _output.WriteInt64(value);
            return this;
        }

        public Message String(int field, string value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteString(value);
            return this;
        }

        public Message Strings(int field, IEnumerable<string> values)
        {
            foreach (var value in values) String(field, value);
            return this;
        }

        public Message Bytes(int field, byte[] value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteBytes(ByteString.CopyFrom(value));
            return this;
        }

        public Message Nested(int field, Message value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteBytes(ByteString.CopyFrom(value.ToArray()));
            return this;
        }

        public Message Floats(int field, float[] values)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteLength(checked(values.Length * 4));
            foreach (float v in values) _output.WriteFloat(v);
            return this;
        }

        public Message Ints(int field, long[] values)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteLength(values.Sum(CodedOutputStream.ComputeInt64Size));
            foreach (long v in values) _output.WriteInt64(v);
            return this;
        }

        public byte[] ToArray()
        {
            _output.Flush();
            return _bytes.ToArray();
        }
    }
}
