#!/usr/bin/env bash
# Launches MpiDescent across the machines listed in ../hostfile (MPICH's Hydra launcher, ssh between nodes).
# Usage: scripts/run-hostfile.sh RANKS DATA.bin [train options]
# Every node needs the same build at the same path (e.g. on a shared file system) and the data file.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RANKS="${1:?usage: run-hostfile.sh RANKS DATA.bin [options]}"; shift
BIN="${MPIDESCENT:-$REPO/out/bin/MpiDescent}"
[ -x "$BIN" ] || build_release
exec mpiexec.mpich -f "$REPO/hostfile" -n "$RANKS" "$BIN" "$@"
