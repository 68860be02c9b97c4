namespace MpiDescent.Data;

/// <summary>How a data file stores its rows (the header's layout byte; docs/data-format.md).</summary>
public enum DataLayout : byte
{
    /// <summary>Row records of d values, the label and the weight.</summary>
    Dense = 0,
    /// <summary>Blocks of rows in compressed sparse row form: nonzero counts, labels, weights, indices,
    /// values.</summary>
    Sparse = 1,
}
