#!/usr/bin/env bash
# Per-iteration time of MpiDescent's full-batch gradient against numpy with OpenBLAS, on the same file, in one run:
# 1 rank vs 1 BLAS thread, 2 ranks vs 2 threads. Installs the peers (python3-numpy, OpenBLAS, threadpoolctl) as root.
# Usage: scripts/compare.sh [DATA.bin]   (default: generates 1,000,000 x 64)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
if ! /usr/bin/python3 -c "import numpy, threadpoolctl" 2>/dev/null || ! ldconfig -p | grep -q libopenblas; then
  [ "$(id -u)" = 0 ] || { echo "need python3-numpy, python3-threadpoolctl and libopenblas0-pthread (apt-get install as root)" >&2; exit 6; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy python3-threadpoolctl libopenblas0-pthread >/dev/null
fi
cd "$REPO"
dotnet build src/MpiDescent -c Release -o out/bin --nologo -v quiet
DATA="${1:-out/bench-1m-64.bin}"
[ -f "$DATA" ] || out/bin/MpiDescent generate "$DATA" --rows 1000000 --features 64 --seed 2
out/bin/MpiDescent bench "$DATA" --repeat 30 --json out/bench-1.json
timeout 600 mpiexec.mpich -n 2 out/bin/MpiDescent bench "$DATA" --repeat 30 --json out/bench-2.json 2> >(grep -v yaksa >&2)
# OPENBLAS_CORETYPE/L2_SIZE (set on some machines for old OpenBLAS builds) slow a current one: unset for the peer only.
for t in 1 2; do env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/numpy_gradient.py "$DATA" $t 30 > out/numpy-$t.json; done
/usr/bin/python3 - <<'PY'
import json
for n in (1, 2):
    ours, peer = json.load(open(f"out/bench-{n}.json")), json.load(open(f"out/numpy-{n}.json"))
    t_ours, t_np = ours["evaluationReproducibleSeconds"], peer["gradientSeconds"]
    print(f"{n} rank(s) vs {n} BLAS thread(s) {peer['blas']}: MpiDescent {t_ours*1e3:.2f} ms, numpy {t_np*1e3:.2f} ms per full gradient "
          f"-> ours/numpy = {t_ours/t_np:.3f}; kernel {ours['kernelOverRead']:.1%} of plain read ({ours['kernelGBps']:.1f}/{ours['readGBps']:.1f} GB/s); "
          f"reproducible/plain = {ours['reproducibleOverPlain']:.3f}")
PY

# L2 logistic regression against LIBLINEAR (Debian's python3-liblinear), same objective, time to 1e-6 suboptimality.
if ! /usr/bin/python3 -c "import liblinearutil, scipy" 2>/dev/null; then
  [ "$(id -u)" = 0 ] && apt-get install -y -qq python3-liblinear python3-scipy >/dev/null || { echo "install python3-liblinear for the LIBLINEAR comparison" >&2; exit 0; }
fi
[ -f out/bench-logistic.bin ] || out/bin/MpiDescent generate out/bench-logistic.bin --rows 200000 --features 64 --labels logistic --seed 3
/usr/bin/python3 bench/liblinear_compare.py out/bin/MpiDescent out/bench-logistic.bin 1.0
