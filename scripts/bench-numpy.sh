#!/usr/bin/env bash
# Converting NumPy arrays (docs/performance.md, "Converting NumPy arrays"): convert's time on ROWS x 64 float64 in C
# and Fortran order and float32, beside a plain read of the same file (cat) and NumPy's own conversion of the arrays
# into the same row layout (bench/numpy_arrays.py peer), in interleaved rounds. Output to out/, about a minute.
# Usage: scripts/bench-numpy.sh [ROWS] [ROUNDS]   (default 1000000 rows, 3 rounds)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if ! /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "need python3-numpy (apt-get install as root)" >&2; exit 6; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >/dev/null
fi
cd "$REPO"
dotnet build src/MpiDescent -c Release -o out/bin --nologo -v quiet
ROWS="${1:-1000000}" ROUNDS="${2:-3}"
M=out/bin/MpiDescent
mkdir -p out/numpy-bench
/usr/bin/python3 bench/numpy_arrays.py make out/numpy-bench "$ROWS"
seconds() { local start; start=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $start" | bc; }
for round in $(seq "$ROUNDS"); do
  for x in x_c x_f x_f4; do
    rm -f out/numpy-bench/out.bin
    echo "round $round $x: cat $(seconds cat out/numpy-bench/$x.npy) s," \
      "convert $(seconds $M convert out/numpy-bench/$x.npy out/numpy-bench/out.bin --labels out/numpy-bench/y.npy) s," \
      "numpy $(/usr/bin/python3 bench/numpy_arrays.py peer out/numpy-bench/$x.npy out/numpy-bench/y.npy \
        out/numpy-bench/peer.raw) s"
  done
done
rm -f out/numpy-bench/out.bin out/numpy-bench/peer.raw
