using MpiDescent.Communication;
using MpiDescent.Losses;
using MpiDescent.Model;

namespace MpiDescent.Cli;

/// <summary>Sends rank 0's model (its loss, layout, class labels and names, and θ) to every rank in two or three
/// broadcasts.</summary>
internal static class ModelBroadcast
{
    /// <summary>Returns rank 0's <paramref name="model"/> on every rank (collective; null on the other
    /// ranks).</summary>
    public static LinearModel Share(ICommunicator comm, LinearModel? model)
    {
        Span<long> shape = stackalloc long[7];
        if (comm.Rank == 0)
        {
            var m = model!;
            shape[0] = (long)m.Loss;
            shape[1] = m.Layout.Features;
            shape[2] = m.Layout.Outputs;
            shape[3] = m.Layout.FitIntercept ? 1 : 0;
            shape[4] = m.ClassLabels?.Length ?? -1;
            shape[5] = m.Parameters.Length;
        }
        byte[] names = comm.Rank == 0 && model!.ClassNames is { } given
            ? System.Text.Encoding.UTF8.GetBytes(string.Join('\n', given)) : [];
        if (comm.Rank == 0) shape[6] = model!.ClassNames is null ? -1 : names.Length;
        comm.Broadcast(shape, 0);
        if (shape[6] > 0)
        {
            if (comm.Rank != 0) names = new byte[shape[6]];
            comm.Broadcast<byte>(names, 0);
        }
        int labels = (int)shape[4];
        var values = new double[Math.Max(labels, 0) + shape[5]];
        if (comm.Rank == 0)
        {
            model!.ClassLabels?.CopyTo(values, 0);
            model.Parameters.CopyTo(values, Math.Max(labels, 0));
        }
        comm.Broadcast<double>(values, 0);
        if (comm.Rank == 0) return model!;
        var layout = new ParameterLayout((int)shape[1], (int)shape[2], shape[3] != 0);
        return new LinearModel((LossKind)shape[0], layout, values[Math.Max(labels, 0)..],
            labels < 0 ? null : values[..labels],
            shape[6] < 0 ? null : System.Text.Encoding.UTF8.GetString(names).Split('\n'));
    }
}
