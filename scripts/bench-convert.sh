#!/usr/bin/env bash
# Converting text (docs/performance.md, "Converting text"): convert's input rate on LIBSVM text of rcv1's shape (values
# with 6 significant digits, as LIBSVM's distributed data sets have, and at full precision) and on a CSV of
# 254,654 x 57 numeric columns, beside liblinear-train's load of the same LIBSVM text (-e 1e9: load and one trivial
# step), in interleaved rounds. Output to out/, a minute or two.
# Usage: scripts/bench-convert.sh [ROWS] [ROUNDS]   (default 100000 rows of 74 nonzeros, 3 rounds)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_bench_peers '/usr/bin/python3 -c "import numpy" && command -v liblinear-train' python3-numpy liblinear-tools
cd "$REPO"
build_release
ROWS="${1:-100000}" ROUNDS="${2:-3}"
M=out/bin/MpiDescent
rm -f out/convert-rcv.bin out/convert-out.bin
$M generate out/convert-rcv.bin --sparse --rows "$ROWS" --features 47236 --nonzeros-per-row 74 --labels logistic \
  --seed 3 > /dev/null
/usr/bin/python3 bench/sparse_dump.py out/convert-rcv.bin > out/convert-rcv17.libsvm
/usr/bin/python3 bench/text_files.py out/convert-rcv17.libsvm out/convert-rcv6.libsvm out/convert-medium.csv "$ROWS"
for round in $(seq "$ROUNDS"); do
  for f in out/convert-rcv6.libsvm out/convert-rcv17.libsvm out/convert-medium.csv; do
    echo "round $round $f: $($M convert "$f" out/convert-out.bin | tail -1)"
    rm -f out/convert-out.bin
  done
  start=$(date +%s.%N)
  liblinear-train -s 0 -e 1e9 out/convert-rcv6.libsvm out/convert-ll.model > /dev/null
  echo "round $round liblinear-train load of out/convert-rcv6.libsvm: $(echo "$(date +%s.%N) - $start" | bc) s"
done
