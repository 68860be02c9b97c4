#!/usr/bin/env bash
# Strong scaling of one full evaluation (kernel, block sums, Allreduce) at 1, 2, 4, ... ranks up to MAX_RANKS (default:
# the number of cores), on one generated file, with `MpiDescent bench` at each rank count; prints one table:
# time per evaluation, speedup, parallel efficiency, kernel / plain read, the exact Allreduce alone, reproducible/plain.
# Every mpiexec runs under `timeout`. Meant for a many-core node (the 16-rank table in docs/performance.md).
# Usage: scripts/scaling.sh [MAX_RANKS] [ROWS] [FEATURES]      (default: nproc, 4000000, 64: 2 GB of features)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
cd "$REPO"
max="${1:-$(nproc)}"; rows="${2:-4000000}"; features="${3:-64}"
dotnet build src/MpiDescent -c Release -o out/bin --nologo -v quiet
data="out/scaling-$rows-$features.bin"
[ -f "$data" ] || out/bin/MpiDescent generate "$data" --rows "$rows" --features "$features" --seed 7 >/dev/null
counts=()
for ((n = 1; n <= max; n *= 2)); do counts+=("$n"); done
[ "${counts[-1]}" = "$max" ] || counts+=("$max")
for n in "${counts[@]}"; do
  timeout 900 mpiexec.mpich -n "$n" out/bin/MpiDescent bench "$data" --repeat 10 --json "out/scaling-$n.json" >/dev/null 2> >(grep -v yaksa >&2)
done
/usr/bin/env python3 - "$rows" "$features" "${counts[@]}" <<'PY'
import json, sys
rows, features, counts = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
runs = {n: json.load(open(f"out/scaling-{n}.json")) for n in counts}
t1 = runs[counts[0]]["evaluationReproducibleSeconds"] * counts[0]
print(f"strong scaling, {rows} x {features}, {runs[counts[0]]['processorCount']} cores, medians of 10 (slowest rank):")
print("ranks | evaluation ms | speedup | efficiency | kernel / plain read | kernel GB/s (all ranks) | exact Allreduce us | reproducible / plain")
for n in counts:
    r = runs[n]
    t = r["evaluationReproducibleSeconds"]
    print(f"{n:5d} | {t * 1e3:13.3f} | {t1 / t:7.2f} | {t1 / t / n:10.2f} | {r['kernelOverRead']:19.1%} | {r['kernelGBps']:23.1f} | "
          f"{r['allreduceExactSeconds'] * 1e6:18.1f} | {r['reproducibleOverPlain']:20.3f}")
PY
