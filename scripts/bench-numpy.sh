#!/usr/bin/env bash
# Converting arrays (docs/performance.md, "Converting NumPy and HDF5 arrays"): convert's time on ROWS x 64 float64 in C
# and Fortran order and float32 .npy files, and in an HDF5 file (contiguous, and chunked with deflate), beside a plain
# read of the same file (cat) and NumPy's or h5py's own conversion of the arrays into the same row layout
# (bench/numpy_arrays.py peer), in interleaved rounds. Output to out/, two minutes or so.
# Usage: scripts/bench-numpy.sh [ROWS] [ROUNDS]   (default 1000000 rows, 3 rounds)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_peers '/usr/bin/python3 -c "import numpy, h5py"' python3-numpy python3-h5py
cd "$REPO"
build_release
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
  for x in x xz; do
    rm -f out/numpy-bench/out.bin
    echo "round $round x.h5:$x: cat $(seconds cat out/numpy-bench/x.h5) s (both datasets)," \
      "convert $(seconds $M convert out/numpy-bench/x.h5 out/numpy-bench/out.bin --dataset $x --labels y) s," \
      "h5py $(/usr/bin/python3 bench/numpy_arrays.py peer out/numpy-bench/x.h5:$x out/numpy-bench/x.h5:y \
        out/numpy-bench/peer.raw) s"
  done
done
rm -f out/numpy-bench/out.bin out/numpy-bench/peer.raw
