#!/usr/bin/env bash
# The planner against measured runs (docs/cluster.md, "Planning the rank count"): `plan --json` at 2 ranks predicts
# the time per pass and the load at 1 and 2 ranks; gd runs of ITERATIONS iterations at 1 and 2 ranks with `--plan`
# measure them ((compute max + communication max) / data passes; the slowest load) and report both. ROUNDS
# interleaved rounds; prints prediction, measurement and their ratio per round and rank count.
# Usage: scripts/validate-plan.sh [ROWS] [FEATURES] [ROUNDS] [ITERATIONS]   (default 1000000 64 3 30)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
build_release
ROWS="${1:-1000000}" FEATURES="${2:-64}" ROUNDS="${3:-3}" ITERATIONS="${4:-30}"
M=out/bin/MpiDescent
D=out/plan-validation
mkdir -p "$D"
$M generate "$D/data.bin" --rows "$ROWS" --features "$FEATURES" > /dev/null
echo "round ranks pass: predicted_ms measured_ms ratio   load: predicted_s measured_s ratio"
for round in $(seq 1 "$ROUNDS"); do
  timeout 600 mpiexec.mpich -n 2 "$M" plan "$D/data.bin" --ranks 1,2 --passes 10 --json "$D/plan.json" \
    > "$D/plan.txt"
  for n in 1 2; do
    timeout 600 mpiexec.mpich -n "$n" "$M" train "$D/data.bin" --learning-rate 0.1 --tolerance 0 \
      --max-iterations "$ITERATIONS" --plan "$D/plan.json" --model "$D/m$n.json" --report "$D/r$n.json" \
      --quiet > /dev/null
    /usr/bin/python3 - "$D/r$n.json" "$round" "$n" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["plan"]
print(f"{sys.argv[2]:>5} {sys.argv[3]:>5} {p['predictedPassSeconds'] * 1e3:18.3f}"
      f" {p['measuredPassSeconds'] * 1e3:11.3f} {p['passRatio']:5.2f}"
      f" {p['predictedLoadSeconds']:20.3f} {p['measuredLoadSeconds']:10.3f} {p['loadRatio']:5.2f}")
PY
  done
done
sed -n 1,4p "$D/plan.txt"
