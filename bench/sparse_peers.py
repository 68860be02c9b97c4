"""Sparse L2 logistic regression: LIBLINEAR (-s 0, train() timed alone) against MpiDescent on the same LIBSVM file,
compared at the same objective: P(w) = (1/m) sum log(1 + exp(-y w.x)) + (lambda/2)|w|^2, no intercept, which is
LIBLINEAR's (1/2)|w|^2 + C sum loss with C = 1/(lambda m). Prints one JSON line. Usage:
  sparse_peers.py DATA.libsvm LAMBDA MODEL1.json [MODEL2.json ...] (our models, their job seconds after each: path:secs,
  or path:secs:GROUP for runs of one program at several tolerances)
With TARGET set (e.g. TARGET=1e-6), LIBLINEAR also runs at each -e of LIBLINEAR_EPS and scikit-learn's lbfgs at each
tol of SKLEARN_TOLS (comma-separated), and "timeToTarget" gives each program's (and group's) fastest run that ends
within TARGET relative suboptimality of the best objective any run reached.
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
target = float(os.environ["TARGET"]) if os.environ.get("TARGET") else None


def liblinear(eps):
    start = time.perf_counter()
    model = train(prob, parameter(f"-s 0 -c {C!r} -e {eps!r} -q"))
    seconds = time.perf_counter() - start
    coef = np.array([model.get_decfun_coef(j + 1) for j in range(d)])
    return seconds, objective(coef if model.get_labels()[0] == 1 else -coef)


peer_seconds, peer_objective = liblinear(1e-8)
result = {"rows": m, "features": d, "nonzeros": int(indptr[-1]), "lambda": lam,
          "liblinearSeconds": peer_seconds, "liblinearObjective": peer_objective, "ours": []}
if target is not None:
    result["liblinearRuns"] = [{"eps": 1e-8, "seconds": peer_seconds, "objective": peer_objective}]
    for eps in (float(e) for e in os.environ.get("LIBLINEAR_EPS", "").split(",") if e):
        seconds, value = liblinear(eps)
        result["liblinearRuns"].append({"eps": eps, "seconds": seconds, "objective": value})
for arg in sys.argv[3:]:
    model_path, seconds, *group = arg.split(":")
    ours = json.load(open(model_path))
    # A model of more than 16,384 weights keeps them in its weights file beside model.json.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    from model_weights import weights
    w = np.asarray(weights(model_path)[0][0], dtype=np.float64)
    result["ours"].append({"model": model_path, "seconds": float(seconds), "objective": objective(w),
                           "ranks": ours.get("ranks"), "group": group[0] if group else model_path})
# scikit-learn's LogisticRegression on the same CSR matrix, at the same objective: C = 1/(lambda m), no intercept.
try:
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression
    X = scipy.sparse.csr_matrix((val, idx, indptr), shape=(m, d))
    result["sklearn"] = []
    runs = [("lbfgs", 1e-8), ("liblinear", 1e-8)]
    if target is not None:
        runs += [("lbfgs", float(t)) for t in os.environ.get("SKLEARN_TOLS", "").split(",") if t]
    for solver, tol in runs:
        clf = LogisticRegression(C=C, fit_intercept=False, solver=solver, tol=tol, max_iter=5000)
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        result["sklearn"].append({"solver": solver, "tol": tol, "seconds": seconds,
                                  "objective": objective(clf.coef_.ravel())})
except ImportError:
    result["sklearn"] = []
best = min([result["liblinearObjective"]] + [o["objective"] for o in result["sklearn"] + result["ours"]
                                             + result.get("liblinearRuns", [])])
for o in result["ours"]:
    o["relativeSuboptimality"] = (o["objective"] - best) / best
    o["overLiblinear"] = o["seconds"] / peer_seconds
result["liblinearRelativeSuboptimality"] = (result["liblinearObjective"] - best) / best
for o in result["sklearn"]:
    o["relativeSuboptimality"] = (o["objective"] - best) / best
if target is not None:
    runs = [("LIBLINEAR", r) for r in result["liblinearRuns"]] + \
        [("scikit-learn " + o["solver"], o) for o in result["sklearn"]] + [(o["group"], o) for o in result["ours"]]
    fastest = {}
    for name, r in runs:
        r["relativeSuboptimality"] = (r["objective"] - best) / best
        if r["relativeSuboptimality"] <= target and (name not in fastest or r["seconds"] < fastest[name]["seconds"]):
            fastest[name] = r
    peer = fastest.get("LIBLINEAR")
    result["timeToTarget"] = {"target": target, "programs": [
        {"program": name, "seconds": r["seconds"], "relativeSuboptimality": r["relativeSuboptimality"],
         "setting": r.get("eps", r.get("tol", r.get("model"))),
         "overLiblinear": r["seconds"] / peer["seconds"] if peer else None} for name, r in fastest.items()]}
print(json.dumps(result))
