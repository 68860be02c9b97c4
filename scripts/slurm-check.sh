#!/usr/bin/env bash
# Checks scripts/slurm.sbatch under a real one-node SLURM cluster started on this machine (root: installs slurm-wlm and
# munge if missing; scripts/slurm-cluster.sh). Each case submits the template for a 2-rank gd run on small data and
# checks how it ends: preemption by SIGUSR1 and by SIGTERM (scancel --signal), SIGUSR1 to the batch shell as well
# (scancel --full), a time limit with --signal=USR1@50, a job that fails (no requeue), and a resubmission after a
# completed run (starts afresh). Interrupted runs must be requeued, resume from their checkpoint and end with a model
# bitwise equal to an uninterrupted run's. Requeued jobs are started at once (scontrol update StartTime=now) instead of
# after SLURM's requeue delay. Prints a line per case and 'N passed, N failed'; exit 1 if any failed. About 6 minutes.
# Usage: scripts/slurm-check.sh [WORKDIR]   (MPIDESCENT=prebuilt binary, else out/bin/MpiDescent is built)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$REPO/scripts/slurm-cluster.sh"
ensure_mpich
set +e
WORK="${1:-}"
TEMPORARY=0
[ -n "$WORK" ] || { WORK=$(mktemp -d /tmp/mpidescent-slurm.XXXXXX); TEMPORARY=1; }
mkdir -p "$WORK"
BIN="${MPIDESCENT:-$REPO/out/bin/MpiDescent}"
if [ -z "${MPIDESCENT:-}" ]; then
  build_release || exit 1
fi
trap slurm_stop EXIT
slurm_start "$WORK/cluster" || exit 1

passed=0 failed=0
result() { if [ "$1" = ok ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2${3:+: $3}"; fi; }
field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
state() { sed -n 's/^ *"state": *"\([a-z]*\)".*/\1/p' "$1" 2>/dev/null | head -n 1; }
same_model() { diff -q <(grep -v -E '"(ranks|seed|dataFile)":' "$1") <(grep -v -E '"(ranks|seed|dataFile)":' "$2") >/dev/null; }

"$BIN" generate "$WORK/data.bin" --rows 3000 --features 4 --seed 3 >/dev/null || exit 1
SHORT="--max-iterations 300000 --tolerance 0 --quiet"   # about 15 s at 2 ranks here
LONG="--max-iterations 2500000 --tolerance 0 --quiet"  # about 100 s here: longer than the 1-minute limit itself
for options in "$SHORT" "$LONG"; do
  name=$(echo "$options" | cut -d' ' -f2)
  timeout 300 mpiexec.mpich -n 2 "$BIN" train "$WORK/data.bin" --model "$WORK/reference-$name.json" \
    --status "$WORK/reference-$name.status.json" --checkpoint "$WORK/reference-$name.checkpoint.json" $options \
    >/dev/null 2>&1 || { echo "the uninterrupted reference run failed" >&2; exit 1; }
done

# Submits the template for case $1 (its own copy of the data) with OPTIONS $2 and sbatch arguments after; prints the id.
submit() {
  local case="$1" options="$2"; shift 2
  mkdir -p "$WORK/$case"
  [ -f "$WORK/$case/data.bin" ] || cp "$WORK/data.bin" "$WORK/$case/data.bin"
  (cd "$WORK/$case" && sbatch --parsable --ntasks=2 --output="$WORK/$case/job-%j.log" "$@" \
    --export=ALL,DATA="$WORK/$case/data.bin",OPTIONS="$options",MPIDESCENT="$BIN",SLURM_CONF="$SLURM_CONF" \
    "$REPO/scripts/slurm.sbatch")
}
# Waits until job $1 runs its batch script (up to $2 seconds).
wait_running() {
  for _ in $(seq "$2"); do [ "$(field "$1" JobState)" = RUNNING ] && return 0; sleep 1; done
  return 1
}
# Waits (up to $2 seconds) for job $1 to end for good; a requeued run is started as soon as the node is idle again and
# its old credential is gone (3 s; started sooner, SLURM kills it: "Job credential revoked"). A run that requeues itself
# passes through FAILED before PENDING, so an end state counts once it has held for 5 seconds.
wait_end() {
  local s held=0 pending=0
  for _ in $(seq "$2"); do
    s=$(field "$1" JobState)
    case "$s" in
      COMPLETED|FAILED|TIMEOUT|CANCELLED|NODE_FAIL|OUT_OF_MEMORY)
        pending=0; held=$((held + 1))
        [ "$held" -ge 5 ] && { echo "$s"; return 0; } ;;
      PENDING)
        held=0; pending=$((pending + 1))
        if [ "$pending" -ge 3 ] && [ "$(field "$1" Reason)" = BeginTime ] && sinfo -h -o %T | grep -q '^idle'; then
          scontrol update JobId="$1" StartTime=now >/dev/null 2>&1
        fi ;;
      *) held=0; pending=0 ;;
    esac
    sleep 1
  done
  echo "STILL-$(field "$1" JobState)"
}
# Checks that case $1 (job $2, ended $3) completed after at least one requeue with the reference model $4.
check_resumed() {
  local case="$1" id="$2" end="$3" reference="$4" restarts
  restarts=$(field "$id" Restarts)
  if [ "$end" != COMPLETED ]; then result fail "$case" "job ended $end (log: $WORK/$case)"; return; fi
  if [ "${restarts:-0}" -lt 1 ]; then result fail "$case" "not requeued (Restarts=$restarts)"; return; fi
  if ! grep -q "resuming from" "$WORK/$case"/job-*.log; then result fail "$case" "the requeued run did not resume"; return; fi
  if ! same_model "$WORK/$case/data.model.json" "$reference"; then result fail "$case" "model differs from the reference"; return; fi
  result ok "$case: requeued ${restarts}x, resumed, model bitwise equal to an uninterrupted run"
}

for signal in USR1 TERM; do
  case="scancel-signal-$signal"
  id=$(submit "$case" "$SHORT")
  [ "$signal" = USR1 ] && first=$id
  wait_running "$id" 60 && sleep 4
  scancel --signal="$signal" "$id"
  check_resumed "$case" "$id" "$(wait_end "$id" 180)" "$WORK/reference-300000.json"
done

case="scancel-full-USR1"
id=$(submit "$case" "$SHORT")
wait_running "$id" 60 && sleep 4
scancel --full --signal=USR1 "$id"
check_resumed "$case" "$id" "$(wait_end "$id" 180)" "$WORK/reference-300000.json"

# SIGUSR1 5-35 s into each 1-minute run (slurmctld checks time limits every 30 s): several runs. The work outlasts the
# limit on any machine (1,000,000 iterations once ended before the signal on a faster CI machine).
case="time-limit-signal"
id=$(submit "$case" "$LONG" --time=1 --signal=USR1@55)
check_resumed "$case" "$id" "$(wait_end "$id" 500)" "$WORK/reference-2500000.json"

case="failing-job"
mkdir -p "$WORK/$case"
id=$(cd "$WORK/$case" && sbatch --parsable --ntasks=2 --output="$WORK/$case/job-%j.log" \
  --export=ALL,DATA="$WORK/$case/missing.bin",MPIDESCENT="$BIN",SLURM_CONF="$SLURM_CONF" "$REPO/scripts/slurm.sbatch")
end=$(wait_end "$id" 120)
if [ "$end" = FAILED ] && [ "$(field "$id" Restarts)" = 0 ] && [ "$(state "$WORK/$case/missing.status.json")" = failed ] \
   && grep -q "missing.bin: file not found" "$WORK/$case"/job-*.log
then result ok "$case: FAILED with exit 3, not requeued, status failed"
else result fail "$case" "ended $end, Restarts=$(field "$id" Restarts), status $(state "$WORK/$case/missing.status.json")"
fi

case="resubmit-after-completion"   # the same job again, after scancel-signal-USR1 completed
id=$(submit scancel-signal-USR1 "$SHORT")
end=$(wait_end "$id" 180)
log="$WORK/scancel-signal-USR1/job-$id.log"
if [ "$end" = COMPLETED ] && ! grep -q "resuming from" "$log" \
   && grep -q "retired as" "$WORK/scancel-signal-USR1/job-$first.log" \
   && [ "$(state "$WORK/scancel-signal-USR1/data.status.json")" = completed ] \
   && same_model "$WORK/scancel-signal-USR1/data.model.json" "$WORK/reference-300000.json"
then result ok "$case: started afresh (the completed run had retired its checkpoint), completed"
else result fail "$case" "ended $end; see $log"
fi

echo "SLURM check: ${passed} passed, ${failed} failed"
slurm_stop
if [ "$failed" = 0 ]; then [ "$TEMPORARY" = 1 ] && rm -rf "$WORK"; exit 0; fi
echo "logs kept in $WORK" >&2
exit 1
