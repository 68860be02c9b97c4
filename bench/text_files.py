"""Text inputs for scripts/bench-convert.sh: the LIBSVM file with every value to 6 significant digits, and a CSV of
ROWS * 254654 / 100000 rows x 57 standard normal columns (6 significant digits) and a 0/1 label."""
import sys
import numpy as np

source, rounded, csv, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(source) as f, open(rounded, "w") as g:
    for line in f:
        t = line.split()
        g.write(t[0] + "".join(" %s:%.6g" % (p.split(":")[0], float(p.split(":")[1])) for p in t[1:]) + "\n")
rng = np.random.default_rng(1)
n = rows * 254654 // 100000
X, y = rng.standard_normal((n, 57)), (rng.random(n) < 0.5).astype(int)
with open(csv, "w") as f:
    f.write(",".join(f"x{j}" for j in range(57)) + ",y\n")
    for i in range(n):
        f.write(",".join("%.6g" % v for v in X[i]) + ",%d\n" % y[i])
