#!/usr/bin/python3
"""scripts/bench-numpy.sh's inputs and its peer.

make DIR ROWS: writes DIR/x_c.npy (ROWS x 64 float64, C order), DIR/x_f.npy (the same, Fortran order),
DIR/x_f4.npy (float32, C order), DIR/y.npy (int64 labels), and DIR/x.h5 with datasets x (contiguous), xz (chunked
by 16384 rows, deflate level 4) and y, seeded.
peer X.npy Y.npy OUT, or peer X.h5:DATASET X.h5:y OUT: NumPy's (or h5py's) own conversion of the same arrays into
a raw row-major float64 file of rows
(features, label), as MpiDescent's data file stores them: np.load, then the rows written block by block and
fsync-ed; prints the seconds.
"""
import os
import sys
import time

import numpy as np

if sys.argv[1] == "make":
    directory, rows = sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, 64))
    np.save(f"{directory}/x_c.npy", x)
    np.save(f"{directory}/x_f.npy", np.asfortranarray(x))
    np.save(f"{directory}/x_f4.npy", x.astype(np.float32))
    labels = (rng.random(rows) < 0.5).astype(np.int64)
    np.save(f"{directory}/y.npy", labels)
    import h5py
    with h5py.File(f"{directory}/x.h5", "w") as f:
        f.create_dataset("x", data=x)
        f.create_dataset("xz", data=x, chunks=(16384, 64), compression="gzip", compression_opts=4)
        f.create_dataset("y", data=labels)
else:
    start = time.perf_counter()
    if ":" in sys.argv[2]:
        import h5py
        file = h5py.File(sys.argv[2].split(":")[0], "r")
        x, y = file[sys.argv[2].split(":")[1]], file[sys.argv[3].split(":")[1]]
    else:
        x = np.load(sys.argv[2], mmap_mode="r")
        y = np.load(sys.argv[3], mmap_mode="r")
    with open(sys.argv[4], "wb") as out:
        block = 1 << 14
        for first in range(0, x.shape[0], block):
            rows = np.empty((min(block, x.shape[0] - first), x.shape[1] + 1))
            rows[:, :-1] = x[first:first + block]
            rows[:, -1] = y[first:first + block]
            rows.tofile(out)
        out.flush()
        os.fsync(out.fileno())  # as convert does before its rename: the same durable write
    print(f"{time.perf_counter() - start:.3f}")
