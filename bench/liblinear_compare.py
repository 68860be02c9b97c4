"""L2 logistic regression, MpiDescent lbfgs against LIBLINEAR (liblinear-train -s 0, trust-region Newton) on the same
data and the same objective: LIBLINEAR minimizes 1/2|w|^2 + C sum log(1 + exp(-y w.x)) without a bias (-B -1);
MpiDescent --loss logistic --no-intercept --l2 1/(C m) minimizes exactly that divided by C m. Reports each one's
time to 1e-6 relative suboptimality, LIBLINEAR's train() timed alone through its Python binding (python3-liblinear).
Usage: python3 bench/liblinear_compare.py out/bin/MpiDescent DATA.bin [C]   (1 rank, 1 thread)"""
import json, os, struct, subprocess, sys, tempfile, time
import numpy as np

binary, data = sys.argv[1], sys.argv[2]
C = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
work = tempfile.mkdtemp()
with open(data, "rb") as f:
    head = f.read(128)
rows, d = struct.unpack_from("<q", head, 16)[0], struct.unpack_from("<i", head, 24)[0]
names = struct.unpack_from("<i", head, 36)[0]
rec = np.fromfile(data, dtype="<f8", count=rows * (d + 1), offset=128 + names).reshape(rows, d + 1)
X, y = rec[:, :d], np.where(rec[:, d] > 0, 1.0, -1.0)
lam = 1.0 / (C * rows)

def J(w):
    return np.mean(np.logaddexp(0, -y * (X @ w))) + 0.5 * lam * (w @ w)

# MpiDescent: one tight run for J*, then the history of a normal run gives the time to 1e-6.
def train(tol, name):
    report = os.path.join(work, name + ".json")
    t = time.perf_counter()
    subprocess.run([binary, "train", data, "--loss", "logistic", "--no-intercept", "--l2", repr(lam), "--solver", "lbfgs",
                    "--tolerance", tol, "--max-iterations", "5000", "--quiet", "--model", os.path.join(work, name + ".model.json"),
                    "--report", report], check=True, stdout=subprocess.DEVNULL)
    return json.load(open(report)), time.perf_counter() - t
tight, _ = train("1e-13", "tight")
ours, ours_wall = train("1e-9", "ours")

# LIBLINEAR through its Python binding (Debian's python3-liblinear): the problem is built once, and only train() is
# timed, with decreasing -e until 1e-6 is reached; three runs each, the median.
import scipy, scipy.sparse
scipy.ctypeslib = np.ctypeslib  # Debian's liblinear 2.3.0 binding still calls scipy.ctypeslib, which SciPy removed
import liblinearutil as ll
problem = ll.problem(list(y), scipy.sparse.csr_matrix(X))
def liblinear(eps):
    times = []
    for _ in range(3):
        t = time.perf_counter()
        model = ll.train(problem, f"-s 0 -c {C!r} -e {eps!r} -B -1 -q")
        times.append(time.perf_counter() - t)
    w = np.array([model.get_decfun_coef(j + 1) for j in range(d)]) * (1 if model.get_labels()[0] == 1 else -1)
    return sorted(times)[1], J(w)
runs = [(eps,) + liblinear(eps) for eps in (1e-1, 1e-2, 1e-3, 1e-4)]
best = min([tight["finalLoss"]] + [j for _, _, j in runs])

def first(hist):
    return next(h for h in hist if (h["loss"] - best) / best <= 1e-6)
ours_hit = first(ours["history"])
ll_hit = next(((eps, t, j) for eps, t, j in runs if (j - best) / best <= 1e-6), None)
print(f"data: {rows} x {d}, C = {C}; J* = {best!r} (MpiDescent tight run {tight['finalLoss']!r})")
print(f"MpiDescent lbfgs: 1e-6 reached at iteration {ours_hit['iteration']}, {ours_hit['dataPasses']} passes, "
      f"{ours_hit['elapsedSeconds']:.3f} s of solving (load {ours['timing']['load']['max']:.3f} s; whole run {ours_wall:.2f} s)")
for eps, t, j in runs:
    print(f"LIBLINEAR train() -s 0 -e {eps:g}: {t:.3f} s (median of 3), suboptimality {(j - best) / best:.2e}")
if ll_hit:
    print(f"=> time to 1e-6: MpiDescent {ours_hit['elapsedSeconds']:.3f} s vs LIBLINEAR {ll_hit[1]:.3f} s (-e {ll_hit[0]:g}); "
          f"ratio {ours_hit['elapsedSeconds'] / ll_hit[1]:.2f}")
