#!/usr/bin/env python3
"""Predicted seconds per L-BFGS iteration (memory 10) for a d = 10^9 model on 64 and 1,024 nodes, replicated against
partitioned (docs/cluster.md, "A model larger than one rank"), from an alpha-beta model of the collectives and two
local rates measured on this project's machine:

  vector  the solver's work per parameter per iteration: 125 ns (1 rank, d = 2^23, 20,000 nonzeros in all, lbfgs with
          --partition-model, iterations 11-16; scripts/bench-partition.sh's note in docs/performance.md)
  pass    a reproducible sparse evaluation per nonzero: 48 ns (docs/performance.md, "Sparse data": 476 ms for 10 M
          nonzeros at d = 2^20)

and assumed network constants (100 Gb/s InfiniBand): alpha = 2 us per message, beta = 1 / 12.5 GB/s. Usage:
python3 bench/partition_model.py [ROWS NONZEROS_PER_ROW]   (default 4e9 rows of 40, Criteo's terabyte log's scale)
"""
import math
import sys

VECTOR_NS, PASS_NS = 125.0, 48.0
ALPHA, BETA = 2e-6, 1 / 12.5e9
EVALUATIONS = 1.2          # per iteration (line-search trials), as measured
DOTS = 3 * 10 + 6          # reductions of the solver per iteration: two-loop 3m + 1, line search, pair test
CORES = 16                 # ranks per node, one per core
d = 1e9
rows = float(sys.argv[1]) if len(sys.argv) > 1 else 4e9
per_row = float(sys.argv[2]) if len(sys.argv) > 2 else 40

print(f"d = {d:.0e}, {rows:.0e} rows x {per_row:g} nonzeros, {CORES} ranks per node, lbfgs memory 10")
print("| nodes | ranks | model | pass s | vector s | communication s | total s per iteration | solver state per rank |")
print("|---|---|---|---|---|---|---|---|")
for nodes in (64, 1024):
    p = nodes * CORES
    nnz = rows * per_row / p
    touched = min(d, nnz)  # at most: hashed features repeat, so fewer
    pass_s = EVALUATIONS * nnz * PASS_NS * 1e-9
    # replicated: every rank holds all of theta; one ring all-reduce of the windowed sums (28 bytes per parameter)
    rep_vector = VECTOR_NS * 1e-9 * d
    rep_comm = EVALUATIONS * (2 * math.log2(p) * ALPHA + 2 * (p - 1) / p * 28 * d * BETA)
    # partitioned: theta / p per rank; per evaluation one all-to-all to fetch the touched weights (8 bytes each) and
    # one to return their windowed sums (32 bytes), pairwise (p - 1 messages); per solver reduction one all-gather of
    # at most 2048 chunk partials (16 KB) by recursive doubling
    part_vector = VECTOR_NS * 1e-9 * d / p
    part_comm = EVALUATIONS * (2 * (p - 1) * ALPHA + 40 * touched * BETA) \
        + DOTS * (math.log2(p) * ALPHA + 16384 * BETA)
    for name, vector, comm, state in (("replicated", rep_vector, rep_comm, 28 * 8 * d),
                                      ("partitioned", part_vector, part_comm, 28 * 8 * d / p)):
        print(f"| {nodes} | {p} | {name} | {pass_s:.2f} | {vector:.3f} | {comm:.3f} | {pass_s + vector + comm:.2f} "
              f"| {state / 1e9:.3g} GB |")
