#!/usr/bin/python3
"""Writes the HDF5 test files of Hdf5ConversionTests with h5py (Debian's python3-h5py).

Each dataset a that converts has a .expected.f8 file beside the .h5 file: NAME.a.expected.f8 holds the values h5py
reads back, as raw float64, C order, little-endian, without a header. Rerun with
/usr/bin/python3 tests/data/hdf5/make_hdf5.py; it is seeded, and h5py is told not to store times, so the files are
the same on every run.
"""
import os

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)
rows, features = 37, 5
x = rng.normal(size=(rows, features)) * 10.0 ** rng.integers(-3, 4, size=(rows, features))
y = (rng.random(rows) < 0.5).astype(np.int32)
w = rng.random(rows) * 3.0


def expected(file, name, array):
    np.asarray(array, dtype="<f8").tofile(os.path.join(here, f"{file}.{name.strip('/').replace('/', '.')}.expected.f8"))


with h5py.File(os.path.join(here, "sim.h5"), "w", track_order=True) as f:
    f.create_dataset("features", data=x, track_times=False)                       # contiguous float64
    f.create_dataset("target", data=y, track_times=False)                         # int32
    f.create_dataset("weights", data=w, track_times=False)
    group = f.create_group("run1", track_order=True)
    group.create_dataset("x", data=x.astype(np.float32), chunks=(8, 5), compression="gzip", shuffle=True,
                         track_times=False)                                         # chunked, deflated, float32
    small = rng.integers(-30000, 30000, size=(rows, features))
    group.create_dataset("x_i2", data=small.astype("<i2"), chunks=(5, 2), track_times=False)  # int16, odd chunks
    group.create_dataset("x_big", data=small.astype(">i2"), track_times=False)    # big-endian: refused
    group.create_dataset("label", data=y.astype(np.uint8).reshape(-1, 1), track_times=False)  # rows x 1
    f.create_dataset("inexact", data=np.array([[1, 2], [2**53 + 1, 3]], dtype="<i8"), track_times=False)
    f.create_dataset("two", data=np.array([0.0, 1.0]), track_times=False)
    f.create_dataset("nan", data=np.array([[1.0, 2.0], [3.0, np.nan]]), track_times=False)
    f.create_dataset("names", data=np.array([b"a", b"b"]), track_times=False)
    f.create_dataset("cube", data=np.zeros((2, 2, 2)), track_times=False)
for name, array in [("features", x), ("target", y), ("weights", w), ("run1/x", x.astype(np.float32))]:
    expected("sim", name, array)
with h5py.File(os.path.join(here, "sim.h5"), "r") as f:
    expected("sim", "run1/x_i2", f["run1/x_i2"][()])
    expected("sim", "run1/label", f["run1/label"][()])
