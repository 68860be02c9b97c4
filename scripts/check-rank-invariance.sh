#!/usr/bin/env bash
# Trains the same models at several rank counts and checks that the model files are identical but for the rank count
# (weights, intercepts and final loss to the last bit, iterations, settings), as docs/reproducibility.md promises: a
# check of this MPI installation and node at rank counts beyond the tests' 1-7. Exits 1 and names the cases that
# differ. Every mpiexec runs under `timeout`.
# MPIDESCENT=PATH uses a prebuilt MpiDescent instead of building one; OPTIONS="..." adds train options to every case
# (OPTIONS="--summation plain" shows what the check catches: plain sums differ between rank counts).
# Usage: scripts/check-rank-invariance.sh [RANKS ...]      (default: 1 2 3 7 and the number of cores)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
cd "$REPO"
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 2 3 7 "$(nproc)")
bin="${MPIDESCENT:-}"
if [ -z "$bin" ]; then build_release; bin=out/bin/MpiDescent; fi
dir=out/rank-invariance; mkdir -p "$dir"
[ -f "$dir/regression.bin" ] || "$bin" generate "$dir/regression.bin" --rows 100003 --features 32 --seed 11 >/dev/null
[ -f "$dir/binary.bin" ] || "$bin" generate "$dir/binary.bin" --rows 100003 --features 32 --labels logistic --seed 12 >/dev/null
cases=(
  "regression gd --max-iterations 30"
  "regression sgd --epochs 1 --batch-size 500 --seed 8"
  "regression exact"
  "regression lbfgs --max-iterations 20 --l2 0.001"
  "regression adam --max-iterations 20 --standardize"
  "binary lbfgs --loss logistic --l2 0.001 --standardize --max-iterations 20"
  "binary sgd --loss squared-hinge --class-weight balanced --epochs 1 --batch-size 256 --seed 3"
)
failed=0
for c in "${cases[@]}"; do
  set -- $c; data="$dir/$1.bin"; solver="$2"; shift 2
  models=()
  for n in "${counts[@]}"; do
    model="$dir/model-$solver-$n.json"
    timeout 300 mpiexec.mpich -n "$n" "$bin" train "$data" --solver "$solver" --model "$model" --quiet "$@" \
      ${OPTIONS:-} >/dev/null \
      || { echo "FAILED to train: $solver $* at $n ranks" >&2; exit 1; }
    models+=("$model")
  done
  # Everything but the rank count and the seed (drawn anew by runs without --seed, used only by sgd) must be equal:
  # weights, intercepts, final loss, iterations, the learning rate found, and the rest of the settings.
  same=1
  for model in "${models[@]:1}"; do
    diff -q <(grep -v -E '"(ranks|seed)":' "${models[0]}") <(grep -v -E '"(ranks|seed)":' "$model") >/dev/null || same=0
  done
  if [ "$same" = 1 ]
  then echo "identical at ${counts[*]} ranks: $solver $* ${OPTIONS:-}"
  else echo "DIFFERENT across ${counts[*]} ranks: $solver $* ${OPTIONS:-}"; failed=1
  fi
done
exit $failed
