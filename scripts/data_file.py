"""Reads a dense MpiDescent data file (docs/data-format.md) with numpy: dense(path) gives (X as float64 rows × d,
labels, row weights or None). Float64 and float32 files, with or without a weight column; a sparse file is refused."""
import struct
import numpy as np


def dense(path):
    with open(path, "rb") as f:
        head = f.read(128)
    if head[:8] != b"MPIDSCNT":
        raise ValueError(f"{path}: not a MpiDescent data file")
    rows, d = struct.unpack_from("<q", head, 16)[0], struct.unpack_from("<i", head, 24)[0]
    if head[29] != 0:
        raise ValueError(f"{path}: sparse rows; this reader takes dense files only")
    dtype = {1: "<f8", 2: "<f4"}[head[28]]
    weighted = struct.unpack_from("<H", head, 30)[0] & 1
    width = d + 1 + weighted
    names = struct.unpack_from("<i", head, 36)[0]
    rec = np.fromfile(path, dtype=dtype, count=rows * width, offset=128 + names).reshape(rows, width)
    X = np.ascontiguousarray(rec[:, :d], dtype=np.float64)
    return X, rec[:, d].astype(np.float64), (rec[:, d + 1].astype(np.float64) if weighted else None)
