"""Helpers of scripts/bench-whole-job.sh.
  text DATA.bin OUT.svm              LIBSVM text of a dense data file (values to 6 significant digits, labels +1/-1)
  objective DATA.bin C MODEL.json LIBLINEAR.model
                                     J(w) = 1/2 |w|^2 + C sum log(1 + exp(-y w.x)) for each model, and their
                                     relative difference (no bias term: MpiDescent --no-intercept, LIBLINEAR -B -1)
  summary TIMES.tsv                  medians per (shape, job) and the ratios the script reports"""
import os, statistics, sys
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from data_file import dense
from model_weights import weights


def load(path):
    X, labels, _ = dense(path)
    return X, np.where(labels > 0, 1.0, -1.0)


if sys.argv[1] == "text":
    X, y = load(sys.argv[2])
    with open(sys.argv[3], "w") as f:
        for i in range(len(y)):
            f.write("%+d " % y[i] + " ".join("%d:%.6g" % (j + 1, v) for j, v in enumerate(X[i]) if v != 0) + "\n")
elif sys.argv[1] == "objective":
    X, y = load(sys.argv[2])
    C = float(sys.argv[3])
    ours = np.array(weights(sys.argv[4])[0][0])
    lines = open(sys.argv[5]).read().split("\n")
    labels = next(l for l in lines if l.startswith("label")).split()[1:]
    start = lines.index("w") + 1
    theirs = np.array([float(l) for l in lines[start:start + X.shape[1]]]) * (1 if labels[0] == "1" else -1)
    J = lambda w: 0.5 * w @ w + C * np.sum(np.logaddexp(0, -y * (X @ w)))
    a, b = J(ours), J(theirs)
    print(f"objective: MpiDescent {a:.10g}, liblinear-train {b:.10g}, relative difference {(a - b) / b:+.1e}")
elif sys.argv[1] == "summary":
    times = {}
    for line in open(sys.argv[2]):
        shape, job, seconds = line.split("\t")
        times.setdefault(shape, {}).setdefault(job, []).append(float(seconds))
    for shape, jobs in times.items():
        med = {job: statistics.median(v) for job, v in jobs.items()}
        print(f"{shape}: medians of {len(next(iter(jobs.values())))} interleaved rounds (s)")
        for job, m in med.items():
            spread = f"{min(jobs[job]):.3f}-{max(jobs[job]):.3f}"
            peer = med["liblinear-train (text)"]
            ratio = f"  ({m / peer:.2f}x liblinear-train)" if job.startswith("MpiDescent") else ""
            print(f"  {job:44s} {m:.3f}  [{spread}]{ratio}")
