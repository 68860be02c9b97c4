"""The peer for 'MpiDescent bench --gram': numpy's X.T @ X (OpenBLAS syrk) on the same data file, at a given BLAS
thread count, median of R runs. Reads the MpiDescent format (float64 or float32 files; float32 is widened to float64,
as MpiDescent computes). Prints JSON."""
import json, struct, sys, time
import numpy as np
import threadpoolctl

path, threads, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "rb") as f:
    head = f.read(128)
assert head[:8] == b"MPIDSCNT", "not a MpiDescent data file"
rows, features = struct.unpack_from("<q", head, 16)[0], struct.unpack_from("<i", head, 24)[0]
dtype = {1: "<f8", 2: "<f4"}[head[28]]
weights = struct.unpack_from("<H", head, 30)[0] & 1
names = struct.unpack_from("<i", head, 36)[0]
width = features + 1 + weights
records = np.fromfile(path, dtype=dtype, count=rows * width, offset=128 + names).reshape(rows, width)
X = np.ascontiguousarray(records[:, :features], dtype=np.float64)

with threadpoolctl.threadpool_limits(threads, user_api="blas"):
    info = threadpoolctl.threadpool_info()
    X.T @ X
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); X.T @ X; times.append(time.perf_counter() - t)
print(json.dumps({"rows": rows, "features": features, "threads": threads, "gramSeconds": sorted(times)[repeat // 2],
                  "blas": [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in info]}))
