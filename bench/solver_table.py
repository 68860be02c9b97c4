"""Passes over the data and seconds to reach 1e-4, 1e-6, 1e-8 and 1e-10 relative suboptimality, per solver, read from
the history in each run's --report. Least squares on scikit-learn's diabetes (standardized; the optimum from --solver
exact) and L2 logistic regression on breast_cancer (C = 1, standardized; the optimum from a tight lbfgs run).
Usage: python3 bench/solver_table.py out/bin/MpiDescent  (run from the repository root; 1 rank)"""
import json, subprocess, sys, tempfile, os

binary = sys.argv[1]
work = tempfile.mkdtemp()
def run(*args):
    subprocess.run([binary, *args], check=False, stdout=subprocess.DEVNULL)
def report(data, name, options):
    path = os.path.join(work, name + ".json")
    run("train", data, "--quiet", "--model", os.path.join(work, name + ".model.json"), "--report", path, *options)
    return json.load(open(path))

diabetes, cancer = os.path.join(work, "diabetes.bin"), os.path.join(work, "cancer.bin")
run("convert", "tests/data/diabetes.csv", diabetes)
run("convert", "tests/data/breast_cancer.csv", cancer)

problems = [
    ("least squares, diabetes (442 x 10)", diabetes, ["--standardize"], ["--solver", "exact"],
     [("gd", ["--solver", "gd"]), ("gd --line-search", ["--solver", "gd", "--line-search"]), ("momentum", ["--solver", "momentum"]),
      ("nesterov", ["--solver", "nesterov"]), ("adam", ["--solver", "adam"]), ("lbfgs", ["--solver", "lbfgs"]),
      ("newton", ["--solver", "newton"]),
      ("sgd (batch 32)", ["--solver", "sgd", "--batch-size", "32", "--seed", "1", "--learning-rate", "0.05"])]),
    ("L2 logistic, breast_cancer (569 x 30)", cancer, ["--standardize", "--loss", "logistic", "--l2", str(1 / 569)],
     ["--solver", "lbfgs", "--tolerance", "1e-14", "--max-iterations", "2000"],
     [("gd", ["--solver", "gd"]), ("gd --line-search", ["--solver", "gd", "--line-search"]), ("nesterov", ["--solver", "nesterov"]),
      ("adam", ["--solver", "adam"]), ("lbfgs", ["--solver", "lbfgs"]), ("newton", ["--solver", "newton"])]),
]
for title, data, common, reference, solvers in problems:
    optimum = report(data, "reference", common + reference)["finalLoss"]
    print(f"\n{title}: optimum J* = {optimum!r}\n")
    print("| solver | passes to 1e-4 | 1e-6 | 1e-8 | 1e-10 | seconds to 1e-10 |")
    print("|---|---|---|---|---|---|")
    for name, options in solvers:
        limit = ["--epochs", "300"] if "sgd" in name else ["--max-iterations", "20000"]
        r = report(data, name.replace(" ", "_"), common + options + limit + ["--tolerance", "1e-12"])
        cells, seconds = [], "-"
        for threshold in (1e-4, 1e-6, 1e-8, 1e-10):
            hit = next((h for h in r["history"] if (h["loss"] - optimum) / optimum <= threshold), None)
            cells.append(str(hit["dataPasses"]) if hit else "not reached")
            if threshold == 1e-10 and hit: seconds = f"{hit['elapsedSeconds']:.3f}"
        print(f"| {name} | {' | '.join(cells)} | {seconds} |")
