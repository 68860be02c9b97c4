"""The peers of a 5-fold, 10-penalty cross-validation of L2 logistic regression, one core each, on the same rows as
MpiDescent's run (read from its data file independently of MpiDescent's code; dense, or sparse as CSR):
  scikit-learn LogisticRegressionCV(Cs, cv=PredefinedSplit(MpiDescent's folds), solver lbfgs, scoring neg_log_loss),
    Cs = 1/(lambda n) for MpiDescent's lambdas (n the mean training rows of a fold);
  LIBLINEAR's parameter search (train -C -s 0 -v 5: its own folds, its own C path with warm starts, scored by
    accuracy; no bias term), train() timed alone.
Prints one JSON line: each peer's seconds (the fit alone; loading the data is not timed) and chosen lambda.
Usage: cv_peers.py DATA.bin FOLDS.csv TABLE.csv"""
import json, struct, sys, time, warnings
import numpy as np
import scipy.sparse as sp
import threadpoolctl
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import PredefinedSplit

warnings.simplefilter("ignore")
threadpoolctl.threadpool_limits(1)
path, folds_csv, table_csv = sys.argv[1:4]

def load(path):
    with open(path, "rb") as f:
        data = f.read()
    rows, = struct.unpack_from("<q", data, 16)
    d, = struct.unpack_from("<i", data, 24)
    etype, layout, flags = data[28], data[29], struct.unpack_from("<H", data, 30)[0]
    block_rows, names = struct.unpack_from("<ii", data, 32)
    fmt, e = ("<f8", 8) if etype == 1 else ("<f4", 4)
    weights = flags & 1
    base = 128 + names
    if layout == 0:
        width = d + 1 + weights
        rec = np.frombuffer(data, fmt, rows * width, base).reshape(rows, width)
        return np.ascontiguousarray(rec[:, :d], dtype=np.float64), rec[:, d].astype(np.float64)
    nnz, = struct.unpack_from("<q", data, 56)
    data_bytes = rows * (4 + e * (2 if weights else 1)) + nnz * (4 + e)
    blocks = (rows + block_rows - 1) // block_rows
    offsets = np.frombuffer(data, "<i8", blocks + 1, base + data_bytes)
    counts, labels, idx, val = [], [], [], []
    for b in range(blocks):
        n = min(block_rows, rows - b * block_rows)
        at = base + int(offsets[b])
        c = np.frombuffer(data, "<i4", n, at); at += 4 * n
        labels.append(np.frombuffer(data, fmt, n, at)); at += e * n * (2 if weights else 1)
        z = int(c.sum())
        idx.append(np.frombuffer(data, "<i4", z, at)); at += 4 * z
        val.append(np.frombuffer(data, fmt, z, at))
        counts.append(c)
    indptr = np.r_[0, np.cumsum(np.concatenate(counts))]
    X = sp.csr_matrix((np.concatenate(val).astype(np.float64), np.concatenate(idx), indptr), shape=(rows, d))
    return X, np.concatenate(labels).astype(np.float64)

X, y = load(path)
y = np.where(y > 0, 1.0, -1.0)
folds = np.loadtxt(folds_csv, delimiter=",", skiprows=1, dtype=np.int64)[:, 1] - 1
table = np.genfromtxt(table_csv, delimiter=",", names=True, dtype=None, encoding="utf-8")
lambdas = np.asarray(table["l2"], dtype=np.float64)
ours = float(lambdas[[i for i, c in enumerate(table["choice"]) if c == "chosen"][0]])
n = np.mean([np.sum(folds != f) for f in range(folds.max() + 1)])
out = {"rows": int(X.shape[0]), "features": int(X.shape[1]), "ours_chosen_l2": ours}

start = time.perf_counter()
cv = LogisticRegressionCV(Cs=list(1.0 / (lambdas * n)), cv=PredefinedSplit(folds), solver="lbfgs", tol=1e-6,
                          scoring="neg_log_loss", max_iter=1000).fit(X, y)
out["sklearn_seconds"] = time.perf_counter() - start
out["sklearn_chosen_l2"] = float(1.0 / (cv.C_[0] * n))

import scipy
# Debian's liblinear.py (2.4x) reaches numpy's ctypeslib through scipy, which scipy 1.10 no longer re-exports.
scipy.ctypeslib = np.ctypeslib
from liblinearutil import problem, parameter, train
prob = problem(y, sp.csr_matrix(X))
start = time.perf_counter()
search = train(prob, parameter("-C -s 0 -v 5 -q"))  # (best C, best p, best score): its accuracy in percent
best_c, best_accuracy = search[0], search[-1]
out["liblinear_seconds"] = time.perf_counter() - start
out["liblinear_chosen_l2"] = float(1.0 / (best_c * 0.8 * X.shape[0]))
out["liblinear_cv_accuracy"] = float(best_accuracy) / 100
print(json.dumps(out))
