#!/usr/bin/env bash
# Strong scaling of one full evaluation (kernel, block sums, Allreduce) at 1, 2, 4, ... ranks up to MAX_RANKS (default:
# the number of cores), on one generated file, with `MpiDescent bench` at each rank count; prints one table:
# time per evaluation, speedup, parallel efficiency, kernel / plain read, the exact Allreduce alone, reproducible/plain,
# the kernel's time with software prefetch over without (SoftwarePrefetch),
# and, where python3 has numpy and threadpoolctl, numpy's full gradient at as many BLAS threads as ranks.
# Every mpiexec runs under `timeout`. Meant for a many-core node (the 16-rank table in docs/performance.md).
# MPIDESCENT=PATH uses a prebuilt MpiDescent (e.g. `dotnet publish -r linux-x64 --self-contained` for nodes
# without the .NET SDK) instead of building one.
# Usage: scripts/scaling.sh [MAX_RANKS] [ROWS] [FEATURES]      (default: nproc, 4000000, 64: 2 GB of features)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
cd "$REPO"
max="${1:-$(nproc)}"; rows="${2:-4000000}"; features="${3:-64}"
bin="${MPIDESCENT:-}"
if [ -z "$bin" ]; then build_release; bin=out/bin/MpiDescent; fi
mkdir -p out
data="out/scaling-$rows-$features.bin"
[ -f "$data" ] || "$bin" generate "$data" --rows "$rows" --features "$features" --seed 7 >/dev/null
counts=()
for ((n = 1; n <= max; n *= 2)); do counts+=("$n"); done
[ "${counts[-1]}" = "$max" ] || counts+=("$max")
numpy=0; py=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c "import numpy, threadpoolctl" 2>/dev/null; then numpy=1; py="$candidate"; break; fi
done
for n in "${counts[@]}"; do
  timeout 900 mpiexec.mpich -n "$n" "$bin" bench "$data" --repeat 10 --json "out/scaling-$n.json" >/dev/null
  # OPENBLAS_CORETYPE/L2_SIZE (set on some machines for old OpenBLAS builds) slow a current one: unset for the peer only.
  [ "$numpy" = 0 ] || env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" bench/numpy_gradient.py "$data" "$n" 10 > "out/scaling-numpy-$n.json"
done
"$py" - "$rows" "$features" "$numpy" "${counts[@]}" <<'PY'
import json, sys
rows, features, numpy, counts = sys.argv[1], sys.argv[2], sys.argv[3] == "1", [int(n) for n in sys.argv[4:]]
runs = {n: json.load(open(f"out/scaling-{n}.json")) for n in counts}
peer = {n: json.load(open(f"out/scaling-numpy-{n}.json")) for n in counts} if numpy else {}
t1 = runs[counts[0]]["evaluationReproducibleSeconds"] * counts[0]
print(f"strong scaling, {rows} x {features}, {runs[counts[0]]['processorCount']} cores, medians of 10 (slowest rank):")
print("ranks | evaluation ms | speedup | efficiency | kernel / plain read | kernel GB/s (all ranks) | exact Allreduce us | reproducible / plain"
      + f" | prefetch with/without ({'on' if runs[counts[0]]['softwarePrefetch'] else 'off'})"
      + (" | numpy ms (as many threads) | ours / numpy" if numpy else ""))
for n in counts:
    r = runs[n]
    t = r["evaluationReproducibleSeconds"]
    line = (f"{n:5d} | {t * 1e3:13.3f} | {t1 / t:7.2f} | {t1 / t / n:10.2f} | {r['kernelOverRead']:19.1%} | {r['kernelGBps']:23.1f} | "
            f"{r['allreduceExactSeconds'] * 1e6:18.1f} | {r['reproducibleOverPlain']:20.3f} | {r['prefetchOverNone']:28.2f}")
    if numpy:
        tn = peer[n]["gradientSeconds"]
        line += f" | {tn * 1e3:26.3f} | {t / tn:12.3f}"
    print(line)
if numpy:
    print("numpy", peer[counts[0]]["numpy"], peer[counts[-1]]["blas"])
PY
