#!/usr/bin/env bash
# A wide model's files (docs/performance.md, "A wide model's files"): L2 logistic regression by lbfgs (2 iterations) on
# sparse data with d = 2^24 hashed-width features, 20,000 rows of 20 nonzeros, trained and scored by this build and by
# the build before the weights file (commit 4f0ba9f, built in a git worktree under out/), in interleaved rounds: the
# model's bytes on disk, train's and predict's wall seconds and peak memory, and whether both give the same
# predictions. One process each (the model is written and read by rank 0 alone). About a minute.
# Usage: scripts/bench-model-file.sh [ROUNDS]   (default 3)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
ROUNDS="${1:-3}"
dotnet build src/MpiDescent -c Release -o out/bin-jit --nologo -v quiet   # the same kind of build as the one before
if [ ! -x out/model-file-before/out/bin/MpiDescent ]; then
  rm -rf out/model-file-before
  git worktree prune
  git worktree add -q --detach out/model-file-before 4f0ba9f
  dotnet build out/model-file-before/src/MpiDescent -c Release -o out/model-file-before/out/bin --nologo -v quiet
fi
declare -A BIN=([before]=out/model-file-before/out/bin/MpiDescent [weights-file]=out/bin-jit/MpiDescent)
W=out/model-file
mkdir -p $W
[ -f $W/w24.bin ] || out/bin-jit/MpiDescent generate $W/w24.bin --sparse --rows 20000 --features $((1 << 24)) \
  --nonzeros-per-row 20 --labels logistic --seed 24 > /dev/null
echo "| round | build | model bytes | train s | train peak MB | predict s | predict peak MB |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for build in before weights-file; do
    rm -f $W/$build.json $W/$build.weights.bin
    /usr/bin/time -f "%e %M" -o $W/time timeout 600 ${BIN[$build]} train $W/w24.bin --loss logistic --l2 1e-4 \
      --solver lbfgs --max-iterations 2 --tolerance 0 --model $W/$build.json --quiet > /dev/null 2>&1
    read -r train_s train_kb < $W/time
    /usr/bin/time -f "%e %M" -o $W/time timeout 600 ${BIN[$build]} predict $W/$build.json $W/w24.bin \
      --output $W/$build.csv > /dev/null 2>&1
    read -r predict_s predict_kb < $W/time
    bytes=$(stat -c %s $W/$build.json)
    [ -f $W/$build.weights.bin ] && bytes="$bytes + $(stat -c %s $W/$build.weights.bin)"
    echo "| $round | $build | $bytes | $train_s | $((train_kb / 1024)) | $predict_s | $((predict_kb / 1024)) |"
  done
done
cmp -s $W/before.csv $W/weights-file.csv && echo "predictions identical" || echo "PREDICTIONS DIFFER"
PYTHONPATH=scripts /usr/bin/python3 -c "from model_weights import weights; import json
a = weights('$W/weights-file.json'); b = json.load(open('$W/before.json'))
print('weights bitwise those of the JSON model (read by scripts/model_weights.py):',
      a[0][0] == b['weights'] and a[1] == [b['intercept']])"
