#!/usr/bin/env bash
# The planner against measured runs (docs/cluster.md, "Planning the rank count"): `plan` at 2 ranks predicts the time
# per pass at 1 and 2 ranks; gd runs of ITERATIONS iterations at 1 and 2 ranks measure it from their reports
# ((compute max + communication max) / data passes). ROUNDS interleaved rounds; prints prediction, measurement and
# their ratio per round and rank count.
# Usage: scripts/validate-plan.sh [ROWS] [FEATURES] [ROUNDS] [ITERATIONS]   (default 1000000 64 3 30)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
dotnet build src/MpiDescent -c Release -o out/bin --nologo -v quiet
ROWS="${1:-1000000}" FEATURES="${2:-64}" ROUNDS="${3:-3}" ITERATIONS="${4:-30}"
M=out/bin/MpiDescent
D=out/plan-validation
mkdir -p "$D"
$M generate "$D/data.bin" --rows "$ROWS" --features "$FEATURES" > /dev/null
echo "round ranks predicted_ms measured_ms predicted/measured"
for round in $(seq 1 "$ROUNDS"); do
  timeout 600 mpiexec.mpich -n 2 "$M" plan "$D/data.bin" --ranks 1,2 --passes 10 > "$D/plan.txt"
  for n in 1 2; do
    timeout 600 mpiexec.mpich -n "$n" "$M" train "$D/data.bin" --learning-rate 0.1 --tolerance 0 \
      --max-iterations "$ITERATIONS" --model "$D/m$n.json" --report "$D/r$n.json" --quiet > /dev/null
    predicted=$(awk -v n="$n" '$1 == n && NF >= 10 {print $4}' "$D/plan.txt")
    /usr/bin/python3 - "$D/r$n.json" "$predicted" "$round" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timing"]
measured = (t["compute"]["max"] + t["communication"]["max"]) / r["dataPasses"] * 1e3
predicted = float(sys.argv[2])
print(f"{sys.argv[3]:>5} {sys.argv[4]:>5} {predicted:12.3f} {measured:11.3f} {predicted / measured:18.2f}")
PY
  done
done
sed -n 1,4p "$D/plan.txt"
