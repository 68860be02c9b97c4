namespace MpiDescent.Training.Solvers;

/// <summary>How mini-batch SGD draws its rows when the classes are imbalanced (<c>--balance</c>).</summary>
public enum BalanceMode
{
    /// <summary>Every row once per epoch, in a shuffled order.</summary>
    None,

    /// <summary>Each class fills an equal share of every batch; an epoch draws K·(largest class) rows, so the rows
    /// of the smaller classes recur within it.</summary>
    Oversample,

    /// <summary>Each class fills an equal share of every batch; an epoch draws K·(smallest class) rows, a new subset
    /// of the larger classes each epoch.</summary>
    Undersample,
}
