#!/bin/bash
# PBS/Torque template for MpiDescent. Edit the marked lines (ranks, data), then: qsub scripts/pbs.sh
#PBS -N mpidescent
#PBS -l select=1:ncpus=16:mpiprocs=16      # <-- EDIT: ranks (mpiprocs); add chunks for more nodes
#PBS -l walltime=01:00:00
#PBS -j oe
DATA="${DATA:-/path/to/data.bin}"          # <-- EDIT: the data file (on a file system every node sees)
OPTIONS="${OPTIONS:-}"                     # training options, as for 'MpiDescent train' (word-split)

set -uo pipefail
cd "$PBS_O_WORKDIR" || exit 1
RANKS=$(wc -l < "$PBS_NODEFILE")
BIN="${MPIDESCENT:-$PBS_O_WORKDIR/out/bin/MpiDescent}"   # build once: scripts/build.sh
CHECKPOINT="${DATA%.bin}.checkpoint.json"
STATUS="${DATA%.bin}.status.json"
state() { sed -n 's/^ *"state": *"\([a-z]*\)".*/\1/p' "$STATUS" 2>/dev/null | head -n 1; }
RESUME=()
case "$(state)" in interrupted|stalled) [ -f "$CHECKPOINT" ] && RESUME=(--resume "$CHECKPOINT") ;; esac
trap 'echo "batch shell: signal received; the ranks stop at their next iteration with a checkpoint"' USR1 TERM
# shellcheck disable=SC2086
mpiexec.mpich -f "$PBS_NODEFILE" -n "$RANKS" "$BIN" train "$DATA" \
  --checkpoint "$CHECKPOINT" --status "$STATUS" --report "mpidescent-$PBS_JOBID.json" "${RESUME[@]}" $OPTIONS
code=$?
# PBS has no requeue from inside a job that this template relies on: an interrupted run says so, and submitting the
# same script again resumes it (the status file says where to continue from).
case "$(state)" in
  interrupted|stalled) echo "run $(state): submit this script again to resume from $CHECKPOINT"; [ "$code" = 0 ] && code=5 ;;
  running) echo "the run ended without writing its final status (a crash): see the log" >&2; [ "$code" = 0 ] && code=1 ;;
esac
exit "$code"
