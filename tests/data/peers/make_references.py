"""Reference coefficients from scikit-learn and LIBLINEAR for the parameter mappings docs/models.md states, on the
diabetes and breast_cancer files beside this script. Writes peer_references.json, which PeerMappingTests reads.
Run from the repository root with Debian's peers (python3-sklearn, python3-liblinear):
    /usr/bin/python3 tests/data/peers/make_references.py
Features are standardized here (population std) but for Ridge, so that every peer converges tightly; the test
standardizes the same way. Each entry: the peer's call, its coefficients and intercept."""
import json, os, sys
import numpy as np
import sklearn
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from liblinearutil import parameter, problem, train

here = os.path.dirname(os.path.abspath(__file__))
def load(name):
    data = np.loadtxt(os.path.join(here, "..", name), delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1]

Xd, yd = load("diabetes.csv")
Xc, yc = load("breast_cancer.csv")
Xc = (Xc - Xc.mean(axis=0)) / Xc.std(axis=0)
yc = np.where(yc > 0, 1.0, -1.0)
out = {"sklearn": sklearn.__version__, "cases": []}
def add(name, peer, coef, intercept):
    out["cases"].append({"name": name, "peer": peer, "coef": [float(v) for v in coef], "intercept": float(intercept)})

# Ridge on the raw diabetes features (an exact solve), Lasso and ElasticNet on standardized ones.
r = Ridge(alpha=10.0, solver="cholesky").fit(Xd, yd)
add("ridge", "Ridge(alpha=10)", r.coef_, r.intercept_)
Xs = (Xd - Xd.mean(axis=0)) / Xd.std(axis=0)  # standardized: OWL-QN converges tightly on it
l = Lasso(alpha=2.0, tol=1e-12, max_iter=1000000).fit(Xs, yd)
add("lasso", "Lasso(alpha=2)", l.coef_, l.intercept_)
e = ElasticNet(alpha=2.0, l1_ratio=0.5, tol=1e-12, max_iter=1000000).fit(Xs, yd)
add("elastic-net", "ElasticNet(alpha=2, l1_ratio=0.5)", e.coef_, e.intercept_)
# L2 logistic regression, standardized breast_cancer.
lr = LogisticRegression(C=0.5, solver="newton-cg", tol=1e-10, max_iter=100000).fit(Xc, yc)
add("logistic-C", "LogisticRegression(C=0.5)", lr.coef_.ravel(), lr.intercept_[0])
cw = LogisticRegression(C=0.5, class_weight={-1: 3.0, 1: 1.0}, solver="newton-cg", tol=1e-10,
                        max_iter=100000).fit(Xc, yc)
add("logistic-class-weight", "LogisticRegression(C=0.5, class_weight={-1: 3, 1: 1})", cw.coef_.ravel(),
    cw.intercept_[0])
# LIBLINEAR without its bias feature (MpiDescent's intercept is unpenalized; LIBLINEAR's -B 1 bias is penalized).
prob = problem(list(yc), [dict(enumerate(row, 1)) for row in Xc])
for solver, name in ((0, "liblinear-s0"), (2, "liblinear-s2"), (3, "liblinear-s3")):
    model = train(prob, parameter(f"-s {solver} -c 0.5 -e 1e-10 -q"))
    sign = 1.0 if model.get_labels()[0] == 1 else -1.0
    add(name, f"LIBLINEAR train -s {solver} -c 0.5 -e 1e-10 (no -B)",
        [sign * model.get_decfun_coef(j + 1) for j in range(Xc.shape[1])], 0.0)

def hinge_qp(X, y, C, intercept):
    """The exact optimum of min 1/2|w|^2 + C sum max(0, 1 - y(w.x + b)) (b unpenalized, or none): dual coordinate
    descent (numpy, written here) finds the support vectors, then the KKT system on the free ones is solved exactly
    and every KKT condition is verified, which certifies the optimum of this convex QP."""
    m, n = X.shape
    Q = (X * X).sum(1)
    rng = np.random.default_rng(1)
    a, w, b, s, rho = np.zeros(m), np.zeros(n), 0.0, 0.0, (Q.mean() / 10 if intercept else 0.0)
    for epoch in range(3000):
        for i in rng.permutation(m):
            g = y[i] * (w @ X[i] + b) - 1 + rho * y[i] * s
            new = min(max(a[i] - g / (Q[i] + rho), 0.0), C)
            w += (new - a[i]) * y[i] * X[i]; s += (new - a[i]) * y[i]; a[i] = new
        b += rho * s
    tol = 1e-9 * C
    free, upper = (a > tol) & (a < C - tol), a >= C - tol
    F, U = np.flatnonzero(free), np.flatnonzero(upper)
    wU = (C * y[U]) @ X[U]
    K = (y[F, None] * X[F]) @ (y[F, None] * X[F]).T
    k = len(F) + (1 if intercept else 0)
    A, r = np.zeros((k, k)), np.zeros(k)
    A[:len(F), :len(F)] = K
    r[:len(F)] = 1 - y[F] * (X[F] @ wU)
    if intercept:
        A[:len(F), -1] = y[F]; A[-1, :len(F)] = y[F]; r[-1] = -C * y[U].sum()
    z = np.linalg.solve(A, r)
    alpha = np.zeros(m); alpha[U] = C; alpha[F] = z[:len(F)]
    b = z[-1] if intercept else 0.0
    w = (alpha * y) @ X
    margin = y * (X @ w + b)
    assert np.all(alpha[F] > 0) and np.all(alpha[F] < C), "a free dual variable left its box"
    assert np.all(margin[U] <= 1 + 1e-10) and np.all(margin[alpha == 0] >= 1 - 1e-10), "a margin violates KKT"
    assert abs(alpha @ y) < 1e-10 or not intercept
    assert np.abs(margin[F] - 1).max() < 1e-10
    return w, b, 0.5 * w @ w + C * np.maximum(0, 1 - margin).sum()

for intercept, name in ((True, "hinge-qp"), (False, "hinge-qp-no-intercept")):
    w, b, primal = hinge_qp(Xc, yc, 0.5, intercept)
    add(name, "exact QP (KKT system on the support vectors), C = 0.5", w, b)
    # In MpiDescent's scale, J = lambda * primal with lambda = 1/(C m).
    out["cases"][-1]["objective"] = float(primal / (0.5 * len(yc)))
json.dump(out, open(os.path.join(here, "peer_references.json"), "w"), indent=1)
print(f"wrote {len(out['cases'])} cases")
