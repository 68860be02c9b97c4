#!/bin/bash
# PBS/Torque template for MpiDescent. Edit the two marked lines (ranks, data), then: qsub scripts/pbs.sh
#PBS -N mpidescent
#PBS -l select=1:ncpus=16:mpiprocs=16      # <-- EDIT: ranks (mpiprocs); add chunks for more nodes
#PBS -l walltime=01:00:00
#PBS -j oe
DATA=/path/to/data.bin                     # <-- EDIT: the data file (on a file system every node sees)

set -euo pipefail
cd "$PBS_O_WORKDIR"
RANKS=$(wc -l < "$PBS_NODEFILE")
BIN="${MPIDESCENT:-$PBS_O_WORKDIR/out/bin/MpiDescent}"   # build once: dotnet build src/MpiDescent -c Release -o out/bin
mpiexec.mpich -f "$PBS_NODEFILE" -n "$RANKS" "$BIN" train "$DATA" --report "mpidescent-$PBS_JOBID.json"
