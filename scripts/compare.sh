#!/usr/bin/env bash
# MpiDescent against its peers, on the same files, as ratios measured in one run (docs/performance.md):
#   per-iteration time of the full-batch gradient against numpy with OpenBLAS (1 rank vs 1 BLAS thread, 2 vs 2),
#   float32 against float64 storage, the exact solver's XᵀX against numpy's X.T @ X, L2 logistic regression against
#   LIBLINEAR, least squares and logistic regression against scikit-learn (time to 1e-6 suboptimality), and whole jobs
#   against liblinear-train (scripts/bench-whole-job.sh).
# Installs the peers (python3-numpy, OpenBLAS, threadpoolctl, python3-liblinear, python3-sklearn) as root. About 5 minutes.
# Usage: scripts/compare.sh [DATA.bin]   (default: generates 1,000,000 x 64)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
if ! /usr/bin/python3 -c "import numpy, threadpoolctl" 2>/dev/null || ! ldconfig -p | grep -q libopenblas; then
  [ "$(id -u)" = 0 ] || { echo "need python3-numpy, python3-threadpoolctl and libopenblas0-pthread (apt-get install as root)" >&2; exit 6; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy python3-threadpoolctl libopenblas0-pthread >/dev/null
fi
cd "$REPO"
build_release
DATA="${1:-out/bench-1m-64.bin}"
[ -f "$DATA" ] || out/bin/MpiDescent generate "$DATA" --rows 1000000 --features 64 --seed 2
out/bin/MpiDescent bench "$DATA" --repeat 30 --json out/bench-1.json
timeout 600 mpiexec.mpich -n 2 out/bin/MpiDescent bench "$DATA" --repeat 30 --json out/bench-2.json
# OPENBLAS_CORETYPE/L2_SIZE (set on some machines for old OpenBLAS builds) slow a current one: unset for the peer only.
for t in 1 2; do env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/numpy_gradient.py "$DATA" $t 30 > out/numpy-$t.json; done
/usr/bin/python3 - <<'PY'
import json
for n in (1, 2):
    ours, peer = json.load(open(f"out/bench-{n}.json")), json.load(open(f"out/numpy-{n}.json"))
    t_ours, t_np = ours["evaluationReproducibleSeconds"], peer["gradientSeconds"]
    print(f"{n} rank(s) vs {n} BLAS thread(s) {peer['blas']}: MpiDescent {t_ours*1e3:.2f} ms, numpy {t_np*1e3:.2f} ms per full gradient "
          f"-> ours/numpy = {t_ours/t_np:.3f}; kernel {ours['kernelOverRead']:.1%} of plain read ({ours['kernelGBps']:.1f}/{ours['readGBps']:.1f} GB/s); "
          f"reproducible/plain = {ours['reproducibleOverPlain']:.3f}; float64/float32 kernel time = {ours['float64OverFloat32']:.2f}")
one, two = json.load(open("out/bench-1.json")), json.load(open("out/bench-2.json"))
print(f"parallel efficiency, 1 -> 2 ranks: {one['evaluationReproducibleSeconds'] / (2 * two['evaluationReproducibleSeconds']):.2f} "
      f"(evaluation {one['evaluationReproducibleSeconds']*1e3:.2f} -> {two['evaluationReproducibleSeconds']*1e3:.2f} ms; "
      f"its Allreduce alone {two['allreduceExactSeconds']*1e6:.1f} us at 2 ranks)")
PY

# The exact solver's XᵀX pass against numpy's X.T @ X (OpenBLAS syrk), one core each, d = 64 and d = 512.
for shape in "500000 64" "62500 512"; do
  set -- $shape
  f="out/bench-$1-$2.bin"
  [ -f "$f" ] || out/bin/MpiDescent generate "$f" --rows "$1" --features "$2" --seed 5 >/dev/null
  out/bin/MpiDescent bench "$f" --repeat 5 --gram --json "out/gram-$2.json" >/dev/null
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/numpy_gram.py "$f" 1 5 > "out/numpy-gram-$2.json"
  /usr/bin/python3 - "$2" <<'PY'
import json, sys
d = sys.argv[1]
ours, peer = json.load(open(f"out/gram-{d}.json")), json.load(open(f"out/numpy-gram-{d}.json"))
t = peer["gramSeconds"]
print(f"XᵀX, {ours['rows']} x {d}, 1 core: numpy {t:.3f} s; MpiDescent Gram kernel {ours['gramKernelSeconds']:.3f} s ({ours['gramKernelSeconds']/t:.2f}x), "
      f"exact solver pass plain {ours['gramPlainSeconds']:.3f} s ({ours['gramPlainSeconds']/t:.2f}x), reproducible {ours['gramReproducibleSeconds']:.3f} s ({ours['gramReproducibleSeconds']/t:.2f}x)")
PY
done

# L2 logistic regression against LIBLINEAR (Debian's python3-liblinear), same objective, time to 1e-6 suboptimality.
if ! /usr/bin/python3 -c "import liblinearutil, scipy" 2>/dev/null; then
  [ "$(id -u)" = 0 ] && apt-get install -y -qq python3-liblinear python3-scipy >/dev/null || { echo "install python3-liblinear for the LIBLINEAR comparison" >&2; exit 0; }
fi
[ -f out/bench-logistic.bin ] || out/bin/MpiDescent generate out/bench-logistic.bin --rows 200000 --features 64 --labels logistic --seed 3
/usr/bin/python3 bench/liblinear_compare.py out/bin/MpiDescent out/bench-logistic.bin 1.0

# Least squares against scikit-learn's LinearRegression and SGDRegressor, logistic against LogisticRegression.
if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  [ "$(id -u)" = 0 ] && apt-get install -y -qq python3-sklearn >/dev/null || { echo "install python3-sklearn for the scikit-learn comparison" >&2; exit 0; }
fi
[ -f out/bench-500000-64.bin ] || out/bin/MpiDescent generate out/bench-500000-64.bin --rows 500000 --features 64 --seed 5 >/dev/null
/usr/bin/python3 bench/sklearn_compare.py out/bin/MpiDescent out/bench-500000-64.bin out/bench-logistic.bin 1.0

# Whole jobs, launch to exit, against liblinear-train (and MPI-LIBLINEAR when MPI_LIBLINEAR_TRAIN names it).
bash "$REPO/scripts/bench-whole-job.sh"
