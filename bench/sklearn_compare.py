"""MpiDescent against scikit-learn on the same data, same objective, one core each: time to 1e-6 relative
suboptimality of the solve alone (peers' data are loaded before timing; that load time is reported apart).

  least squares  J(w, b) = 1/(2m) |Xw + b - y|^2:  MpiDescent --solver exact and --solver lbfgs against
                 LinearRegression (LAPACK least squares) and SGDRegressor (plain SGD, which rarely reaches 1e-6)
  logistic       J(w) = 1/m sum log(1 + exp(-y w.x)) + lam/2 |w|^2, no intercept, lam = 1/(C m):  MpiDescent
                 --solver lbfgs against LogisticRegression(C, fit_intercept=False) with lbfgs and newton-cg, whose
                 objective is the same times C m

J* is the best of all runs and a tight MpiDescent run. A peer's tolerance is decreased until it reaches 1e-6; its time
is the median of three runs at the loosest tolerance that does.
Usage: python3 bench/sklearn_compare.py out/bin/MpiDescent REGRESSION.bin LOGISTIC.bin [C]"""
import json, os, struct, subprocess, sys, tempfile, time, warnings
import numpy as np
import threadpoolctl
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDRegressor

warnings.simplefilter("ignore")  # convergence and line-search warnings of the looser peer runs; their suboptimality is printed
binary, regression, logistic = sys.argv[1:4]
C = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
work = tempfile.mkdtemp()
threadpoolctl.threadpool_limits(1)

def load(path):
    t = time.perf_counter()
    with open(path, "rb") as f:
        head = f.read(128)
    rows, d = struct.unpack_from("<q", head, 16)[0], struct.unpack_from("<i", head, 24)[0]
    dtype = {1: "<f8", 2: "<f4"}[head[28]]
    width = d + 1 + (struct.unpack_from("<H", head, 30)[0] & 1)
    rec = np.fromfile(path, dtype=dtype, count=rows * width, offset=128 + struct.unpack_from("<i", head, 36)[0]).reshape(rows, width)
    X, y = np.ascontiguousarray(rec[:, :d], dtype=np.float64), rec[:, d].astype(np.float64)
    return X, y, time.perf_counter() - t

def median3(fit):
    runs = []
    for _ in range(3):
        t = time.perf_counter(); result = fit(); runs.append((time.perf_counter() - t, result))
    runs.sort(key=lambda r: r[0])
    return runs[1]

def ours(data, name, *options):
    """MpiDescent's report: the history has the loss and the solve time (load excluded) at every iteration."""
    report = os.path.join(work, name + ".json")
    t = time.perf_counter()
    subprocess.run([binary, "train", data, "--quiet", "--model", os.path.join(work, name + ".model.json"), "--report", report, *options],
                   check=True, stdout=subprocess.DEVNULL)
    return json.load(open(report)), time.perf_counter() - t

def first_hit(report, best):
    return next((h for h in report["history"] if (h["loss"] - best) / abs(best) <= 1e-6), None)

def show(name, seconds, gap, note=""):
    print(f"  {name:<44} {seconds:8.3f} s   suboptimality {max(gap, 0):.1e}{note}")

# ---- least squares
X, y, load_s = load(regression)
m, d = X.shape
def J_ls(w, b):
    r = X @ w + b - y
    return (r @ r) / (2 * m)
A = np.hstack([X, np.ones((m, 1))])
theta = np.linalg.lstsq(A, y, rcond=None)[0]
exact_report, _ = ours(regression, "ls-exact", "--solver", "exact")
lbfgs_report, _ = ours(regression, "ls-lbfgs", "--solver", "lbfgs", "--tolerance", "1e-10", "--max-iterations", "2000")
best = min(J_ls(theta[:d], theta[d]), exact_report["finalLoss"], lbfgs_report["finalLoss"])
print(f"least squares, {m} x {d} (numpy load {load_s:.2f} s, not counted); J* = {best!r}")
seconds, model = median3(lambda: LinearRegression().fit(X, y))
lr_time = seconds
show("scikit-learn LinearRegression", seconds, (J_ls(model.coef_, model.intercept_) - best) / best)
sgd_hit = None
for epochs in (1, 5, 20):
    seconds, model = median3(lambda: SGDRegressor(penalty=None, alpha=0.0, max_iter=epochs, tol=None, random_state=0).fit(X, y))
    gap = (J_ls(model.coef_, model.intercept_[0]) - best) / best
    show(f"scikit-learn SGDRegressor, {epochs} epoch(s)", seconds, gap)
    if gap <= 1e-6 and sgd_hit is None: sgd_hit = seconds
exact_s = exact_report["history"][-1]["elapsedSeconds"]  # the solve and one checking pass
show("MpiDescent --solver exact", exact_s, (exact_report["finalLoss"] - best) / best)
hit = first_hit(lbfgs_report, best)
show("MpiDescent --solver lbfgs, to 1e-6", hit["elapsedSeconds"], (hit["loss"] - best) / best, f" (iteration {hit['iteration']})")
print(f"  => time to 1e-6: exact / LinearRegression = {exact_s / lr_time:.2f}; lbfgs / LinearRegression = {hit['elapsedSeconds'] / lr_time:.2f}; "
      + (f"SGDRegressor {sgd_hit:.3f} s" if sgd_hit else "SGDRegressor did not reach 1e-6 in 20 epochs"))

# ---- L2 logistic regression
X, y01, load_s = load(logistic)
y = np.where(y01 > 0, 1.0, -1.0)
m, d = X.shape
lam = 1.0 / (C * m)
def J_log(w):
    return np.mean(np.logaddexp(0, -y * (X @ w))) + 0.5 * lam * (w @ w)
common = ["--loss", "logistic", "--no-intercept", "--l2", repr(lam), "--solver", "lbfgs", "--max-iterations", "5000"]
tight, _ = ours(logistic, "log-tight", *common, "--tolerance", "1e-13")
run, _ = ours(logistic, "log", *common, "--tolerance", "1e-9")
peers = {}
for solver in ("lbfgs", "newton-cg"):
    peers[solver] = []
    for tol in (1e-2, 1e-3, 1e-4, 1e-6, 1e-8):
        seconds, model = median3(lambda: LogisticRegression(C=C, fit_intercept=False, solver=solver, tol=tol, max_iter=10000).fit(X, y))
        peers[solver].append((tol, seconds, J_log(model.coef_.ravel())))
best = min([tight["finalLoss"]] + [j for runs in peers.values() for _, _, j in runs])
print(f"L2 logistic regression, {m} x {d}, C = {C} (numpy load {load_s:.2f} s, not counted); J* = {best!r}")
hit = first_hit(run, best)
show("MpiDescent --solver lbfgs, to 1e-6", hit["elapsedSeconds"], (hit["loss"] - best) / best, f" (iteration {hit['iteration']})")
for solver, runs in peers.items():
    reached = next(((tol, s, j) for tol, s, j in runs if (j - best) / best <= 1e-6), None)
    for tol, s, j in runs:
        show(f"scikit-learn LogisticRegression {solver}, tol {tol:g}", s, (j - best) / best)
    if reached:
        print(f"  => time to 1e-6: MpiDescent / scikit-learn {solver} = {hit['elapsedSeconds'] / reached[1]:.2f} (tol {reached[0]:g})")
    else:
        print(f"  => scikit-learn {solver} did not reach 1e-6")
