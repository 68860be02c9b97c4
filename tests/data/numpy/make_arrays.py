#!/usr/bin/python3
"""Writes the NumPy test arrays of NumPyConversionTests with NumPy itself (Debian's python3-numpy).

Each array a.npy comes with a.expected.f8: the same values as float64, C order, little-endian, without a header
(numpy's tofile), which the tests compare the converted data file with. Rerun with
/usr/bin/python3 tests/data/numpy/make_arrays.py; the output is deterministic (seeded).
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)


def save(name, array, expected=True):
    np.save(os.path.join(here, name + ".npy"), array)
    if expected:
        np.asarray(array, dtype="<f8").tofile(os.path.join(here, name + ".expected.f8"))


rows, features = 37, 5
x = rng.normal(size=(rows, features)) * 10.0 ** rng.integers(-3, 4, size=(rows, features))
y = (rng.random(rows) < 0.5).astype(np.int64)
w = rng.random(rows) * 3.0

save("x_c_f8", x)                                                  # C order, little-endian float64
save("x_fortran_f4", np.asfortranarray(x.astype("<f4")))           # Fortran order float32
save("x_big_i2", rng.integers(-30000, 30000, size=(rows, features)).astype(">i2"))  # big-endian int16
save("x_u1", rng.integers(0, 256, size=(rows, features)).astype("u1"))
save("x_bool", rng.random((rows, features)) < 0.3)
save("x_f2", x.astype("<f2"))                                      # float16 (values beyond 65504 become inf)
save("x_big_f8_fortran", np.asfortranarray(x.astype(">f8")))
save("y_i8", y)
save("y_column_f4", y.astype("<f4").reshape(-1, 1))                # rows x 1
save("w_f8", w)
save("x_u8_exact", np.array([[2**53, 1], [2**64 - 2**11, 0]], dtype="<u8"))  # largest values float64 holds
save("x_i8_inexact", np.array([[1, 2], [2**53 + 1, 3]], dtype="<i8"), expected=False)  # float64 cannot hold 2**53 + 1
save("y_two", np.array([0.0, 1.0]))
save("x_nan", np.array([[1.0, 2.0], [3.0, np.nan]]), expected=False)
save("w_negative", np.array([1.0, -0.5]), expected=False)
save("x_one_dim", np.arange(3.0), expected=False)
save("x_strings", np.array([["a", "b"], ["c", "d"]]), expected=False)

np.savez(os.path.join(here, "stored.npz"), X=x, y=y, w=w)
np.savez_compressed(os.path.join(here, "compressed.npz"), features=np.asfortranarray(x.astype("<f4")), target=y)

# scikit-learn's breast_cancer (../breast_cancer.csv) as parsed by numpy, to compare with the CSV converter's reading
table = np.loadtxt(os.path.join(here, "..", "breast_cancer.csv"), delimiter=",", skiprows=1)
np.save(os.path.join(here, "breast_cancer_X.npy"), np.asfortranarray(table[:, :-1]))
np.save(os.path.join(here, "breast_cancer_y.npy"), table[:, -1].astype(np.int8))
