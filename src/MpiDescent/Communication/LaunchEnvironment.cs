namespace MpiDescent.Communication;

/// <summary>What the process launcher told this process through its environment variables.</summary>
public sealed record LaunchEnvironment(bool UnderLauncher, int? ExpectedSize, bool OpenMpiLauncher, int? SlurmTasks)
{
    /// <summary>Reads the variables that MPICH's Hydra, Intel MPI, MS-MPI, SLURM and Open MPI set.</summary>
    public static LaunchEnvironment FromVariables(Func<string, string?> get)
    {
        int? Int(string name) => int.TryParse(get(name), out var v) ? v : null;
        bool openMpi = get("OMPI_COMM_WORLD_SIZE") is not null || get("OMPI_COMM_WORLD_RANK") is not null;
        bool pmi = get("PMI_RANK") is not null || get("PMI_SIZE") is not null || get("PMI_FD") is not null
                   || get("PMI_PORT") is not null || get("PMIX_RANK") is not null;
        int? slurmTasks = get("SLURM_STEP_ID") is not null ? Int("SLURM_STEP_NUM_TASKS") : null;
        return new LaunchEnvironment(pmi || openMpi || slurmTasks > 1, Int("PMI_SIZE"), openMpi, slurmTasks);
    }

    /// <summary>The current process's launch environment.</summary>
    public static LaunchEnvironment Current => FromVariables(System.Environment.GetEnvironmentVariable);

    /// <summary>Returns an error message when MPI's world size disagrees with what the launcher asked for, else
    /// null.</summary>
    public string? CheckWorldSize(int worldSize)
    {
        if (ExpectedSize is int n && n != worldSize)
            return $"the launcher started {n} processes (PMI_SIZE={n}) but MPI reports a world of {worldSize}: "
                   + "the MPI library does not match the mpiexec that launched it; use mpiexec.mpich (MPICH) or " +
                       "the mpiexec of your MPICH-ABI MPI";
        if (ExpectedSize is null && SlurmTasks is int t && t > 1 && worldSize != t)
            return $"srun started {t} tasks but MPI reports a world of {worldSize}: launch with 'srun --mpi=pmi2' " +
                $"or mpiexec";
        return null;
    }
}
