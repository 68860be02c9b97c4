#!/usr/bin/env bash
# The main job on a demo data set: installs MPICH if missing, builds Release, generates 200,000 x 32 synthetic
# least-squares data with a known answer, trains at 2 ranks, and checks the model against the truth.
# Usage: scripts/demo.sh [RANKS]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RANKS="${1:-2}"
ensure_mpich
cd "$REPO"
build_release
BIN=out/bin/MpiDescent
mkdir -p demo
$BIN generate demo/demo.bin --rows 200000 --features 32 --noise 0.1 --seed 1
$BIN inspect demo/demo.bin
timeout 600 mpiexec.mpich -n "$RANKS" $BIN train demo/demo.bin --report demo/report.json --model demo/demo.model.json
timeout 600 mpiexec.mpich -n "$RANKS" $BIN evaluate demo/demo.model.json demo/demo.bin
/usr/bin/env python3 - <<'PY' 2>/dev/null || echo "(python3 not found: compare demo/demo.model.json with demo/demo.truth.json by hand)"
import json
m, t = json.load(open("demo/demo.model.json")), json.load(open("demo/demo.truth.json"))
err = max(abs(a - b) for a, b in zip(m["weights"] + [m["intercept"]], t["weights"] + [t["intercept"]]))
print(f"largest difference between trained and true weights: {err:.2e} (noise 0.1, 200000 rows)")
PY
