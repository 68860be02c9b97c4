using System.Text.Json;
using System.Text.Json.Serialization;
using MpiDescent.IO;

namespace MpiDescent.Output;

/// <summary>The JSON settings of every file MpiDescent writes (doubles are written round-trip exact).</summary>
public static class Json
{
    /// <summary>Indented camelCase JSON, enums as strings.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower), new NonFiniteAsNull() },
        TypeInfoResolver = JsonContext.Default,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value)
    {
        // Streamed into the file: a wide model's weights would not fit one string (about 10⁹ characters at most).
        using var file = new AtomicFile(path);
        try
        {
            JsonSerializer.Serialize(file.Stream, value, Options);
            file.Stream.WriteByte((byte)'\n');
            file.Commit();
        }
        catch (IOException e)
        {
            throw new InputFileException(path, $"cannot write: {e.Message}", e);
        }
    }

    /// <summary>Doubles round-trip exact; a value that does not exist (NaN: a step size before the first step, a
    /// validation loss without a split) is written as null, and null reads back as NaN.</summary>
    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
