#!/usr/bin/env bash
# Differentially private training (docs/privacy.md, "Measured"): test accuracy against epsilon on two real binary
# data sets, and the cost of a private epoch against a plain sgd epoch.
#  1. breast_cancer.csv (569 x 30, standardized) and digits.csv (1797 x 64, pixels / 16, label: digit >= 5), every 5th
#     row held out for testing; for epsilon 0.5, 1, 2, 4, 8 (noise calibrated by --dp-epsilon, delta 1e-4) and without
#     privacy, REPEATS runs each (private runs draw secret seeds, so their accuracy varies): mean and range.
#  2. A generated ROWS x 64 logistic file: the time of one sgd epoch (batch 256) and of one private epoch (same
#     expected batch, --dp-noise 1), in interleaved rounds, from each run's history.
# Usage: scripts/bench-privacy.sh [REPEATS] [ROWS] [ROUNDS]   (default 5, 1000000, 3; about 3 minutes)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_peers '/usr/bin/python3 -c "import numpy"' python3-numpy
cd "$REPO"
build_release
REPEATS="${1:-5}" ROWS="${2:-1000000}" ROUNDS="${3:-3}"
M=out/bin/MpiDescent
D=out/privacy-bench
mkdir -p "$D"
/usr/bin/python3 - "$D" <<'PY'
import sys, numpy as np
out = sys.argv[1]
def split(name, x, y):
    test = np.arange(len(y)) % 5 == 4
    for part, rows in (("train", ~test), ("test", test)):
        np.savetxt(f"{out}/{name}-{part}.csv", np.column_stack([x[rows], y[rows]]), delimiter=",", fmt="%.17g",
                   header=",".join([f"f{j}" for j in range(x.shape[1])] + ["label"]), comments="")
c = np.loadtxt("tests/data/breast_cancer.csv", delimiter=",", skiprows=1)
x = c[:, :-1]
split("cancer", (x - x.mean(0)) / x.std(0), c[:, -1])
g = np.loadtxt("tests/data/digits.csv", delimiter=",", skiprows=1)
split("digits", g[:, :-1] / 16.0, (g[:, -1] >= 5).astype(float))
PY
for name in cancer digits; do
  for part in train test; do $M convert "$D/$name-$part.csv" "$D/$name-$part.bin" > /dev/null; done
done
accuracy() { $M evaluate "$1" "$2" | awk '$1 == "accuracy" { print $2 }'; }
common=(--loss logistic --solver sgd --learning-rate 0.5 --batch-size 32 --epochs 30 --quiet)
echo "data set, epsilon: test accuracy mean (min-max) over $REPEATS runs"
for name in cancer digits; do
  for eps in 0.5 1 2 4 8 none; do
    results=()
    for r in $(seq "$REPEATS"); do
      model="$D/$name-$eps-$r.json"
      if [ "$eps" = none ]; then
        $M train "$D/$name-train.bin" "${common[@]}" --seed "$r" --model "$model" > /dev/null 2>&1
      else
        $M train "$D/$name-train.bin" "${common[@]}" --dp-epsilon "$eps" --dp-clip 1 --dp-delta 1e-4 \
          --model "$model" > /dev/null
      fi
      results+=("$(accuracy "$model" "$D/$name-test.bin")")
    done
    printf '%s\n' "${results[@]}" | awk -v n="$name" -v e="$eps" '
      { s += $1; if (NR == 1 || $1 < lo) lo = $1; if (NR == 1 || $1 > hi) hi = $1 }
      END { printf "%s, epsilon %s: %.3f (%.3f-%.3f)\n", n, e, s / NR, lo, hi }'
  done
done
$M generate "$D/big.bin" --rows "$ROWS" --features 64 --labels logistic > /dev/null
epoch_seconds() { awk -F, 'NR == 2 { t0 = $6 } NR == 3 { t1 = $6 } END { print t1 - t0 }' "$1"; }
for round in $(seq "$ROUNDS"); do
  $M train "$D/big.bin" --loss logistic --solver sgd --learning-rate 0.1 --epochs 1 --quiet --seed 1 \
    --model "$D/big-sgd.json" --history "$D/big-sgd.csv" > /dev/null 2>&1
  $M train "$D/big.bin" --loss logistic --solver sgd --learning-rate 0.1 --epochs 1 --quiet --dp-noise 1 \
    --dp-clip 1 --dp-delta 1e-7 --model "$D/big-dp.json" --history "$D/big-dp.csv" > /dev/null
  plain=$(epoch_seconds "$D/big-sgd.csv") private=$(epoch_seconds "$D/big-dp.csv")
  echo "round $round, $ROWS x 64: sgd epoch $plain s, private epoch $private s, private/sgd" \
    "$(echo "scale=3; $private / $plain" | bc)"
done
