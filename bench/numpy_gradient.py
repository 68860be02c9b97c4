"""The peer for 'MpiDescent bench': numpy's full-batch least-squares gradient X.T @ (X @ theta + b - y) on the same
data file, at a given BLAS thread count. Reads the MpiDescent format (docs/data-format.md) itself. Prints JSON."""
import json, struct, sys, time
import numpy as np
import threadpoolctl

path, threads, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "rb") as f:
    head = f.read(128)
assert head[:8] == b"MPIDSCNT", "not a MpiDescent data file"
rows, features = struct.unpack_from("<q", head, 16)[0], struct.unpack_from("<i", head, 24)[0]
names = struct.unpack_from("<i", head, 36)[0]
t0 = time.perf_counter()
records = np.fromfile(path, dtype="<f8", count=rows * (features + 1), offset=128 + names).reshape(rows, features + 1)
X = np.ascontiguousarray(records[:, :features])
y = records[:, features].copy()
load = time.perf_counter() - t0
theta = np.array([0.01 * ((j % 7) - 3) for j in range(features + 1)])
w, b = theta[:features], theta[features]

def median(fn):
    fn(); fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return sorted(times)[repeat // 2]

with threadpoolctl.threadpool_limits(threads, user_api="blas"):
    info = threadpoolctl.threadpool_info()
    def gradient():
        r = X @ w + b - y
        return X.T @ r, r @ r
    grad = median(gradient)
print(json.dumps({"rows": rows, "features": features, "threads": threads, "blas": [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in info],
                  "numpy": np.__version__, "loadSeconds": load, "gradientSeconds": grad}))
