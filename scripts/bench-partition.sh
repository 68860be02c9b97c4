#!/usr/bin/env bash
# A partitioned model against a replicated one, measured in one run (docs/performance.md, "A partitioned model"):
# L2 logistic regression by lbfgs (memory 10) on sparse hashed-width data, d = 2^20, 2^22 and 2^23 features, at 2, 3
# and 4 ranks, replicated and with --partition-model. For each: the bytes each rank's collectives move per evaluation
# (ring algorithms' volume, from the run report), beside a replicated run's all-reduce; the peak memory per rank;
# seconds per iteration; and whether the model is bitwise the replicated one. About 5 minutes.
# Usage: scripts/bench-partition.sh [ROWS]   (default 40000 rows of 30 nonzeros)
#        scripts/bench-partition.sh memory   (d = 2^26 hashed features, 400,000 rows of 20 nonzeros, lbfgs at 4 ranks:
#        the replicated vectors need about 15 GB per rank and do not fit a 24 GB node; the run partitions the model by
#        itself, writing a checkpoint by slices at iteration 3; then the checkpoint resumes at 2 ranks, and both
#        models are compared. Prints the console, the peak memory per rank and the largest process's peak. About 6
#        minutes.)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_mpich
cd "$REPO"
build_release
M=out/bin/MpiDescent
mkdir -p out/partition
if [ "${1:-}" = memory ]; then
  data=out/partition/wide-2p26.bin
  [ -f "$data" ] || $M generate "$data" --sparse --rows 400000 --features $((1 << 26)) --nonzeros-per-row 20 \
    --labels logistic --seed 26 > /dev/null
  /usr/bin/time -f "largest process: %M KB peak resident" timeout 1500 mpiexec.mpich -n 4 $M train "$data" \
    --loss logistic --l2 1e-4 --solver lbfgs --max-iterations 5 --tolerance 0 --model out/partition/2p26.json \
    --report out/partition/2p26.report.json --checkpoint-every 3
  ls -l out/partition/2p26.checkpoint.json.completed out/partition/2p26.checkpoint.json.*.vectors
  timeout 1500 mpiexec.mpich -n 2 $M train "$data" --loss logistic --l2 1e-4 --solver lbfgs --max-iterations 5 \
    --tolerance 0 --model out/partition/2p26-resumed.json --resume out/partition/2p26.checkpoint.json.completed \
    --checkpoint out/partition/2p26-resumed.checkpoint.json --partition-model --quiet
  PYTHONPATH=scripts /usr/bin/python3 - <<'PY'
import json
from model_weights import weights
r = json.load(open("out/partition/2p26.report.json"))
p, t = r["parameters"], r["timing"]
d = r["features"] + 1
state = 28 * 8 * d  # L-BFGS's vectors, replicated, per rank (MemoryEstimate's count)
print(f"partitioned: {p['partitioned']}; parameters owned {min(p['parametersOwned'])}-{max(p['parametersOwned'])}; "
      f"features touched {min(p['featuresTouched'])}-{max(p['featuresTouched'])}")
print(f"peak per rank {t['peakMemoryMegabytes']['min']:.0f}-{t['peakMemoryMegabytes']['max']:.0f} MB; replicated "
      f"state {state / 2**20:.0f} MB per rank, / 4 = {state / 4 / 2**20:.0f} MB")
print(f"moved per evaluation {max(p['movedBytesPerEvaluation']) / 1e6:.1f} MB (max rank); replicated all-reduce "
      f"{p['replicatedAllreduceBytes'] / 1e6:.0f} MB; "
      f"{t['totalSeconds'] / max(r['iterations'], 1):.2f} s per iteration")
a, b = (weights(f"out/partition/{n}.json") for n in ("2p26", "2p26-resumed"))
print("resumed at 2 ranks from the 4-rank checkpoint: bitwise the same model:", a == b)
PY
  exit 0
fi
ROWS="${1:-40000}"
reports=()
for bits in 20 22 23; do
  data=out/partition/wide-2p$bits.bin
  $M generate "$data" --sparse --rows "$ROWS" --features $((1 << bits)) --nonzeros-per-row 30 --labels logistic \
    --seed $bits > /dev/null
  for n in 2 3 4; do
    for mode in replicated partitioned; do
      name=out/partition/2p$bits-$n-$mode
      extra=()
      [ $mode = partitioned ] && extra=(--partition-model)
      timeout 900 mpiexec.mpich -n $n $M train "$data" --loss logistic --l2 1e-4 --solver lbfgs --max-iterations 6 \
        --tolerance 0 --model $name.json --report $name.report.json --quiet "${extra[@]}" > /dev/null
      reports+=("$name")
    done
  done
done
PYTHONPATH=scripts /usr/bin/python3 - "${reports[@]}" <<'PY'
import json, sys, hashlib
from model_weights import weights
rows = []
for name in sys.argv[1:]:
    r = json.load(open(name + ".report.json"))
    p = r["parameters"]
    digest = hashlib.sha256(json.dumps(weights(name + ".json")).encode()).hexdigest()[:12]
    rows.append((r["features"], r["ranks"], "partitioned" if p["partitioned"] else "replicated",
                 max(p["movedBytesPerEvaluation"]) / 1e6, p["replicatedAllreduceBytes"] / 1e6,
                 r["timing"]["peakMemoryMegabytes"]["max"], r["timing"]["totalSeconds"] / max(r["iterations"], 1),
                 min(p["parametersOwned"]), max(p["parametersOwned"]), max(p["featuresTouched"]), digest))
print("| d | ranks | model | MB moved per evaluation (max rank) | replicated all-reduce MB | peak MB per rank "
      "| s per iteration | parameters owned | features touched | model digest |")
print("|---|---|---|---|---|---|---|---|---|---|")
for d, n, mode, moved, rep, peak, sec, lo, hi, touched, digest in rows:
    print(f"| {d} | {n} | {mode} | {moved:.1f} | {rep:.1f} | {peak:.0f} | {sec:.2f} | {lo}-{hi} | {touched} "
          f"| {digest} |")
pairs = {}
for row in rows: pairs.setdefault((row[0], row[1]), set()).add(row[-1])
print("bitwise the same model, partitioned and replicated:", all(len(v) == 1 for v in pairs.values()))
PY
