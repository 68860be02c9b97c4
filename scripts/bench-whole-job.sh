#!/usr/bin/env bash
# Whole jobs, launch to exit, against liblinear-train (issue 19; docs/performance.md, "Whole jobs"): L2 logistic
# regression with the same objective (C = 1, no bias: --no-intercept --l2 1/(C m), -B -1) and the same stopping rule
# (|grad| <= eps min(pos,neg)/l |grad0| with LIBLINEAR's default eps = 0.01: --tolerance set to match), on a small
# (4,601 x 57) and a medium (254,654 x 7) synthetic set with 6 significant digits, as text data sets have. Each round
# runs every job once, interleaved: MpiDescent from its data file at 1 and 2 ranks (scripts/build.sh's build, and at 1
# rank also `dotnet build`'s), from the LIBSVM text (convert and train in one command, no cache) at 1 and 2 ranks,
# liblinear-train on the text, MPICH's own start (`mpiexec -n 2 /bin/true`, and an MPI_Init/MPI_Finalize program when
# mpicc is there), and rank 0's launch-to-first-iteration (MPIDESCENT_LAUNCH_NS). Prints medians and ratios, and each
# model's objective against LIBLINEAR's. MPI-LIBLINEAR is not run: its source is published on its authors' site
# (https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/distributed-liblinear/), which this machine cannot reach; set
# MPI_LIBLINEAR_TRAIN to its built `train` to add it at 2 ranks. A few minutes.
# Usage: scripts/bench-whole-job.sh [ROUNDS]   (default 9)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
ensure_bench_peers '/usr/bin/python3 -c "import numpy" && command -v liblinear-train' python3-numpy liblinear-tools
cd "$REPO"
build_release
dotnet build src/MpiDescent -c Release -o out/bin-jit --nologo -v quiet >/dev/null
ROUNDS="${1:-9}"
W=out/whole-job
mkdir -p "$W"
M=out/bin/MpiDescent
if command -v mpicc >/dev/null 2>&1; then
  printf '#include <mpi.h>\nint main(int c, char **v) { MPI_Init(&c, &v); MPI_Finalize(); return 0; }\n' > "$W/init.c"
  mpicc -O2 -o "$W/mpi-init" "$W/init.c"
fi
now() { date +%s%N; }
TIMES="$W/times.tsv"
: > "$TIMES"
# Runs the job "$2..." for shape $1 under the name $job, appending its wall seconds; fails the script if it fails.
timed() {
  local shape="$1" start; shift
  start=$(now)
  "$@" > "$W/last.out" 2> "$W/last.err" || { echo "failed: $*" >&2; cat "$W/last.err" >&2; exit 1; }
  printf '%s\t%s\t%s\n' "$shape" "$job" "$(echo "($(now) - $start) / 1000000000" | bc -l)" >> "$TIMES"
}
for shape in "small 4601 57" "medium 254654 7"; do
  set -- $shape
  [ -f "$W/$1.svm" ] || {
    $M generate "$W/$1.generated.bin" --rows "$2" --features "$3" --labels logistic --seed 19 > /dev/null
    /usr/bin/python3 bench/whole_job.py text "$W/$1.generated.bin" "$W/$1.svm"
  }
  [ -f "$W/$1.bin" ] || $M convert "$W/$1.svm" "$W/$1.bin" > /dev/null
done
for round in $(seq "$ROUNDS"); do
  for shape in small medium; do
    read -r l2 tol < <(awk '{n++; if ($1 > 0) p++}
      END {m = p < n - p ? p : n - p; printf "%.17g %.17g\n", 1 / n, 0.01 * m / n}' "$W/$shape.svm")
    train=(train --loss logistic --no-intercept --l2 "$l2" --solver newton --tolerance "$tol" --quiet)
    job="mpiexec -n 2 /bin/true"; timed $shape mpiexec.mpich -n 2 /bin/true
    if [ -x "$W/mpi-init" ]; then
      job="mpiexec -n 2 MPI_Init+MPI_Finalize (C)"; timed $shape mpiexec.mpich -n 2 "$W/mpi-init"
    fi
    job="liblinear-train (text)"; timed $shape liblinear-train -s 0 -c 1 -B -1 -q "$W/$shape.svm" "$W/$shape.ll.model"
    job="MpiDescent 1 process, data file"; timed $shape $M "${train[@]}" "$W/$shape.bin" --model "$W/$shape.1.json"
    job="MpiDescent 1 process, data file, dotnet build"
    timed $shape out/bin-jit/MpiDescent "${train[@]}" "$W/$shape.bin" --model "$W/$shape.jit.json"
    job="MpiDescent 2 ranks, data file"
    MPIDESCENT_LAUNCH_NS=$(now) timed $shape mpiexec.mpich -n 2 $M "${train[@]}" "$W/$shape.bin" \
      --model "$W/$shape.2.json"
    first=$(sed -n 's/.*rank 0: launch to .* first-iteration \([0-9.]*\) s.*/\1/p' "$W/last.err")
    printf '%s\t%s\t%s\n' "$shape" "launch to first iteration, rank 0, 2 ranks" "$first" >> "$TIMES"
    rm -f "$W/$shape.svm.mpidescent.bin" "$W/$shape.svm.mpidescent.source.json"
    job="MpiDescent 1 process, from text"; timed $shape $M "${train[@]}" "$W/$shape.svm" --model "$W/$shape.t1.json"
    rm -f "$W/$shape.svm.mpidescent.bin" "$W/$shape.svm.mpidescent.source.json"
    job="MpiDescent 2 ranks, from text"
    timed $shape mpiexec.mpich -n 2 $M "${train[@]}" "$W/$shape.svm" --model "$W/$shape.t2.json"
    if [ -n "${MPI_LIBLINEAR_TRAIN:-}" ]; then
      job="MPI-LIBLINEAR 2 ranks (text)"
      timed $shape mpiexec.mpich -n 2 "$MPI_LIBLINEAR_TRAIN" -s 0 -c 1 -B -1 -q "$W/$shape.svm" "$W/$shape.mll.model"
    fi
  done
done
/usr/bin/python3 bench/whole_job.py summary "$TIMES"
for shape in small medium; do
  objective=$(/usr/bin/python3 bench/whole_job.py objective "$W/$shape.bin" 1 "$W/$shape.2.json" "$W/$shape.ll.model")
  echo "$shape: $objective"
done
