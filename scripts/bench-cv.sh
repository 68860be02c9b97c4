#!/usr/bin/env bash
# Many models in one job (issue 20; docs/performance.md, "Regularization paths and cross-validation"): a 5-fold,
# 10-penalty cross-validation of L2 logistic regression with lbfgs (50 models, then the chosen one refitted), as one
# MpiDescent job, against one single model, against 50 separate jobs (each a model on 80% of the rows, as a fold's
# model is: --validation-fraction 0.2, without early stopping), and against scikit-learn's LogisticRegressionCV and
# LIBLINEAR's -C search (bench/cv_peers.py), on a dense 1,000,000 x 64 file and a sparse file of rcv1's shape.
# Whole-command wall times, one rank, in one run of this script. Also the shared pass against a model's pass alone
# (gd, fixed step, 6 passes).
# Dense: about 10 minutes (LIBLINEAR's search is most of it); sparse at 50,000 rows about 12 minutes. SEPARATE_JOBS of
# the 50 separate jobs are run and timed (the rest taken as their mean); 0 rows skips a file.
# Usage: scripts/bench-cv.sh [DENSE_ROWS] [SPARSE_ROWS] [SEPARATE_JOBS]   (default 1000000 50000 50)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
ensure_bench_peers '/usr/bin/python3 -c "import numpy, scipy, sklearn, threadpoolctl, liblinearutil"' \
  python3-numpy python3-scipy python3-sklearn python3-threadpoolctl python3-liblinear
cd "$REPO"
build_release
M=out/bin/MpiDescent
DENSE_ROWS="${1:-1000000}"; SPARSE_ROWS="${2:-50000}"; SEPARATE="${3:-50}"
names=()
if [ "$DENSE_ROWS" != 0 ]; then
  $M generate out/cv-dense.bin --rows "$DENSE_ROWS" --features 64 --labels logistic --seed 5 > /dev/null
  names+=(dense)
fi
if [ "$SPARSE_ROWS" != 0 ]; then
  $M generate out/cv-sparse.bin --sparse --rows "$SPARSE_ROWS" --features 47236 --nonzeros-per-row 74 \
    --labels logistic --seed 3 > /dev/null
  names+=(sparse)
fi
GRID=(--l2-path 1e-1..1e-5 --path-length 10)
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null || exit 1; e=$(date +%s.%N); echo "$e - $s" | bc; }
for name in "${names[@]}"; do
  f=out/cv-$name.bin
  common=(--loss logistic --solver lbfgs --quiet)
  one=$(seconds timeout 900 $M train $f "${common[@]}" --l2 1e-3 --model out/cv-one.json)
  cv=$(seconds timeout 3600 $M train $f "${common[@]}" "${GRID[@]}" --cv 5 --model out/cv-$name.json \
    --cv-output out/cv-$name.csv --cv-folds-output out/cv-$name.folds.csv --report out/cv-$name.report.json)
  # Separate jobs: each penalty's fold models, in turn, as a user's script would submit them.
  mapfile -t lambdas < <(tail -n +2 out/cv-$name.csv | cut -d, -f3)
  separate=0
  for ((k = 0; k < SEPARATE; k++)); do
    t=$(seconds timeout 900 $M train $f "${common[@]}" --l2 "${lambdas[$((k % 10))]}" --validation-fraction 0.2 \
      --patience 100000000 --model out/cv-separate.json)
    separate=$(echo "$separate + $t" | bc)
  done
  # The shared pass against a model's pass alone: 10 models of gd with a fixed step for 5 iterations (6 passes).
  gd=(--loss logistic --solver gd --learning-rate 1 --max-iterations 5 --tolerance 0)
  alone=$($M train $f "${gd[@]}" --l2 1e-3 --report out/cv-gd.json --model out/cv-gd-model.json --quiet > /dev/null \
    && /usr/bin/python3 -c "import json; r = json.load(open('out/cv-gd.json')); print(r['timing']['compute']['max'])")
  shared=$($M train $f "${gd[@]}" "${GRID[@]}" --model out/cv-gd-path.json --cv-output out/cv-gd-path.csv \
    | sed -nE 's/^10 models in ([0-9.]+) s.*/\1/p')
  peers=$(/usr/bin/python3 bench/cv_peers.py $f out/cv-$name.folds.csv out/cv-$name.csv | tail -n 1)
  /usr/bin/python3 - "$name" "$one" "$cv" "$separate" "$SEPARATE" "$alone" "$shared" "$peers" <<'PY'
import json, sys
name, one, cv, separate, count, alone, shared = sys.argv[1], *map(float, sys.argv[2:8])
peers = json.loads(sys.argv[8])
per_job = separate / count
print(f"{name}: {peers['rows']} x {peers['features']}")
print(f"  one model (lbfgs, l2 1e-3)                    {one:8.2f} s")
print(f"  cross-validation, 50 models + refit, one job   {cv:8.2f} s  = {cv / one:5.2f} x one model")
print(f"  separate jobs, {int(count)} measured, {per_job:.2f} s each      {50 * per_job:8.2f} s for 50 = "
      f"{50 * per_job / cv:5.2f} x the job")
for peer, name in (("sklearn", "scikit-learn LogisticRegressionCV (fit alone)"),
                   ("liblinear", "LIBLINEAR train -C -s 0 -v 5 (train alone)   ")):
    print(f"  {name}  {peers[peer + '_seconds']:8.2f} s  = {peers[peer + '_seconds'] / cv:5.2f} x the job")
print(f"  chosen l2: ours {peers['ours_chosen_l2']:.4g}, scikit-learn {peers['sklearn_chosen_l2']:.4g}, "
      f"LIBLINEAR {peers['liblinear_chosen_l2']:.4g} (accuracy-scored, its own folds and C path)")
print(f"  shared pass: 10 models' pass {shared / 6:.3f} s, one model's alone {alone / 6:.4f} s: "
      f"{shared / 6 / 10 / (alone / 6):.2f} x a model's pass per model")
PY
done
