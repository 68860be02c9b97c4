"""Cross-validation references from scikit-learn for PathTrainingTests (issue 20), on the diabetes and breast_cancer
files beside this script's folder. Writes cv_references.json. Run from the repository root with Debian's peers
(python3-sklearn):
    /usr/bin/python3 tests/data/peers/make_cv_references.py
The folds are computed here from the rule docs/models.md states (independently of MpiDescent's code): row i's hash is
u = SplitMix64(i XOR 0x5DEECE66DA3A7F4B) >> 11; regression puts row i in fold floor(u F / 2^53); classification ranks
each class's rows by u and puts the row of rank r (0-based) of a class of n rows in the fold f with
round(f n / F) <= r < round((f + 1) n / F) (halves rounded away from zero).
MpiDescent's objective on a fold's training rows, (1/n) sum l + (lambda/2)|w|^2 with the intercept unpenalized, is
scikit-learn's LogisticRegression with C = 1/(lambda n) and Ridge with alpha = lambda n (n the fold's training rows);
the validation loss is the mean log-loss, or half the mean squared error, on the fold. The logistic optima come from
Newton's method (below), checked against LogisticRegression's; the ridge optima from Ridge's Cholesky solve.
Features are standardized with the population deviation over all rows, as the test does. The losses are the exact
optima's to about 1e-12. LogisticRegressionCV and RidgeCV, given the same folds (PredefinedSplit) and one
grid for all folds (C = 1/(lambda n_mean), alpha = lambda n_mean), choose the penalty recorded as peer_choice."""
import json, os
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, Ridge, RidgeCV
from sklearn.metrics import log_loss
from sklearn.model_selection import PredefinedSplit

here = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1

def splitmix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)

def row_hash(i):
    return splitmix(i ^ 0x5DEECE66DA3A7F4B) >> 11

def round_half_away(x):
    return int(np.floor(x + 0.5))

def folds_of(y, F, classes):
    m = len(y)
    u = [row_hash(i) for i in range(m)]
    if not classes:
        return [(u[i] * F) >> 53 for i in range(m)]
    fold = [0] * m
    for c in sorted(set(y)):
        rows = sorted((u[i], i) for i in range(m) if y[i] == c)
        n = len(rows)
        cuts = [round_half_away(j * n / F) for j in range(1, F)]
        for r, (_, i) in enumerate(rows):
            fold[i] = sum(1 for cut in cuts if r >= cut)
    return fold

def load(name):
    data = np.loadtxt(os.path.join(here, "..", name), delimiter=",", skiprows=1)
    X = data[:, :-1]
    return (X - X.mean(axis=0)) / X.std(axis=0), data[:, -1]

def grid(strongest, weakest, length):
    return [strongest if k == 0 else weakest if k == length - 1
            else strongest * (weakest / strongest) ** (k / (length - 1)) for k in range(length)]

out = {"sklearn": sklearn.__version__, "cases": []}
F = 5

def newton_logistic(X, y, lam):
    """The exact optimum of (1/n) sum log(1 + exp(-y(Xw + b))) + (lam/2)|w|^2 by Newton's method with a backtracking
    line search, to a gradient norm of 1e-13."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    reg = np.r_[np.full(d, lam), 0.0]
    def f(t):
        return np.mean(np.logaddexp(0, -y * (A @ t))) + 0.5 * lam * t[:d] @ t[:d]
    for _ in range(200):
        z = y * (A @ theta)
        s = 0.5 * (1 - np.tanh(z / 2))  # 1 / (1 + exp(z)), stably
        g = -(A.T @ (y * s)) / n + reg * theta
        if np.linalg.norm(g) < 1e-13:
            break
        H = (A.T * (s * (1 - s))) @ A / n + np.diag(reg)
        step = np.linalg.solve(H, -g)
        t = 1.0
        while f(theta + t * step) > f(theta) + 1e-4 * t * (g @ step) and t > 1e-12:
            t /= 2
        theta = theta + t * step
    return theta

X, y = load("breast_cancer.csv")
y = np.where(y > 0, 1.0, -1.0)
folds = np.array(folds_of(list(y), F, True))
lambdas = grid(1.0, 1e-4, 8)
losses = []
for lam in lambdas:
    row = []
    for f in range(F):
        train, test = folds != f, folds == f
        theta = newton_logistic(X[train], y[train], lam)
        # scikit-learn's LogisticRegression with C = 1/(lam n) reaches the same optimum.
        peer = LogisticRegression(C=1.0 / (lam * train.sum()), solver="lbfgs", tol=1e-12,
                                  max_iter=100000).fit(X[train], y[train])
        def objective(t):
            return (np.mean(np.logaddexp(0, -y[train] * (X[train] @ t[:-1] + t[-1])))
                    + 0.5 * lam * t[:-1] @ t[:-1])
        ours, theirs = objective(theta), objective(np.r_[peer.coef_.ravel(), peer.intercept_])
        assert ours <= theirs and theirs - ours < 1e-7 * ours, f"Newton {ours}, scikit-learn {theirs}"
        row.append(float(np.mean(np.logaddexp(0, -y[test] * (X[test] @ theta[:-1] + theta[-1])))))
    losses.append(row)
mean_train = np.mean([np.sum(folds != f) for f in range(F)])
peer = LogisticRegressionCV(Cs=[1.0 / (lam * mean_train) for lam in lambdas], cv=PredefinedSplit(folds),
                            scoring="neg_log_loss", solver="lbfgs", tol=1e-12, max_iter=100000).fit(X, y)
out["cases"].append({"name": "logistic", "data": "breast_cancer.csv", "loss": "logistic", "folds": F,
                     "fold_of_row": [int(f) for f in folds], "lambdas": lambdas, "fold_losses": losses,
                     "peer": "LogisticRegressionCV(scoring='neg_log_loss', cv=PredefinedSplit)",
                     "peer_choice": int(np.argmin(np.abs(np.array(peer.Cs_) - peer.C_[0])))})

X, y = load("diabetes.csv")
folds = np.array(folds_of(list(y), F, False))
lambdas = grid(10.0, 1e-3, 9)
losses = []
for lam in lambdas:
    row = []
    for f in range(F):
        train, test = folds != f, folds == f
        model = Ridge(alpha=lam * train.sum(), solver="cholesky").fit(X[train], y[train])
        row.append(float(0.5 * np.mean((model.predict(X[test]) - y[test]) ** 2)))
    losses.append(row)
mean_train = np.mean([np.sum(folds != f) for f in range(F)])
peer = RidgeCV(alphas=[lam * mean_train for lam in lambdas], cv=PredefinedSplit(folds),
               scoring="neg_mean_squared_error").fit(X, y)
out["cases"].append({"name": "ridge", "data": "diabetes.csv", "loss": "squared", "folds": F,
                     "fold_of_row": [int(f) for f in folds], "lambdas": lambdas, "fold_losses": losses,
                     "peer": "RidgeCV(scoring='neg_mean_squared_error', cv=PredefinedSplit)",
                     "peer_choice": int(np.argmin(np.abs(np.array(lambdas) * mean_train - peer.alpha_)))})

with open(os.path.join(here, "cv_references.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
for case in out["cases"]:
    means = np.mean(case["fold_losses"], axis=1)
    print(case["name"], "mean losses", np.round(means, 6), "least", int(np.argmin(means)), "peer", case["peer_choice"])
