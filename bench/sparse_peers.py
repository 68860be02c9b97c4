"""Sparse L2 logistic regression: LIBLINEAR (-s 0, train() timed alone) against MpiDescent on the same LIBSVM file,
compared at the same objective: P(w) = (1/m) sum log(1 + exp(-y w.x)) + (lambda/2)|w|^2, no intercept, which is
LIBLINEAR's (1/2)|w|^2 + C sum loss with C = 1/(lambda m). Prints one JSON line. Usage:
  sparse_peers.py DATA.libsvm LAMBDA MODEL1.json [MODEL2.json ...] (our models, their job seconds after each: path:secs)
"""
import json, os, sys, time
import numpy as np
from liblinearutil import svm_read_problem, problem, parameter, train

path, lam = sys.argv[1], float(sys.argv[2])
ys, xs = svm_read_problem(path)
m = len(ys)
d = max((max(x) for x in xs if x), default=0)
# CSR arrays for an independent evaluation of P(w).
indptr = np.zeros(m + 1, dtype=np.int64)
for i, x in enumerate(xs): indptr[i + 1] = indptr[i] + len(x)
idx = np.fromiter((j - 1 for x in xs for j in sorted(x)), dtype=np.int64, count=indptr[-1])
val = np.fromiter((x[j] for x in xs for j in sorted(x)), dtype=np.float64, count=indptr[-1])
y = np.where(np.asarray(ys) > 0, 1.0, -1.0)

def objective(w):
    z = np.add.reduceat(val * w[idx], indptr[:-1]) if len(val) else np.zeros(m)
    z[np.diff(indptr) == 0] = 0
    return np.mean(np.logaddexp(0, -y * z)) + 0.5 * lam * w.dot(w)

C = 1.0 / (lam * m)
prob = problem(ys, xs)
start = time.perf_counter()
model = train(prob, parameter(f"-s 0 -c {C!r} -e 1e-8 -q"))
peer_seconds = time.perf_counter() - start
w_peer = np.zeros(d)
labels = model.get_labels()
coef = np.array([model.get_decfun_coef(j + 1) for j in range(d)])
w_peer = coef if labels[0] == 1 else -coef
result = {"rows": m, "features": d, "nonzeros": int(indptr[-1]), "lambda": lam,
          "liblinearSeconds": peer_seconds, "liblinearObjective": objective(w_peer), "ours": []}
for arg in sys.argv[3:]:
    model_path, seconds = arg.rsplit(":", 1)
    ours = json.load(open(model_path))
    # A model of more than 16,384 weights keeps them in its weights file beside model.json.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    from model_weights import weights
    w = np.asarray(weights(model_path)[0][0], dtype=np.float64)
    result["ours"].append({"model": model_path, "seconds": float(seconds), "objective": objective(w),
                           "ranks": ours.get("ranks")})
# scikit-learn's LogisticRegression on the same CSR matrix, at the same objective: C = 1/(lambda m), no intercept.
try:
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression
    X = scipy.sparse.csr_matrix((val, idx, indptr), shape=(m, d))
    result["sklearn"] = []
    for solver in ("lbfgs", "liblinear"):
        clf = LogisticRegression(C=C, fit_intercept=False, solver=solver, tol=1e-8, max_iter=5000)
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        result["sklearn"].append({"solver": solver, "seconds": seconds, "objective": objective(clf.coef_.ravel())})
except ImportError:
    result["sklearn"] = []
best = min([result["liblinearObjective"]] + [o["objective"] for o in result["sklearn"] + result["ours"]])
for o in result["ours"]:
    o["relativeSuboptimality"] = (o["objective"] - best) / best
    o["overLiblinear"] = o["seconds"] / peer_seconds
result["liblinearRelativeSuboptimality"] = (result["liblinearObjective"] - best) / best
for o in result["sklearn"]:
    o["relativeSuboptimality"] = (o["objective"] - best) / best
print(json.dumps(result))
