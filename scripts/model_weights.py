"""Reads a MpiDescent model's weights and intercepts, inline or from its weights file (docs/models.md, "Wide models:
the weights file"), with the standard library only: weights(path) gives (a list of K lists of d floats, K intercepts).
Run as a script it prints K, d and the number of non-zero weights."""
import array
import json
import os
import struct
import sys


def weights(path):
    assert sys.byteorder == "little", "array reads native byte order; weights files are little-endian"
    model = json.load(open(path))
    intercepts = model.get("intercepts") or [model["intercept"]]
    record = model.get("weightsFile")
    if record is None:
        return (model.get("weightMatrix") or [model["weights"]]), intercepts
    data = open(os.path.join(os.path.dirname(os.path.realpath(path)), record["file"]), "rb").read()
    if data[:8] != b"MPDWGT01" or len(data) != record["bytes"]:
        raise ValueError(f"{record['file']}: not the weights file of {path}")
    k, d, encoding, n = struct.unpack_from("<4q", data, 8)
    if encoding == 0:
        values = array.array("d", data[64:64 + 8 * k * d])
        return [values[c * d:(c + 1) * d].tolist() for c in range(k)], intercepts
    positions = array.array("q", data[64:64 + 8 * n])
    values = array.array("d", data[64 + 8 * n:64 + 16 * n])
    dense = [[0.0] * d for _ in range(k)]
    for position, value in zip(positions, values):
        dense[position // d][position % d] = value
    return dense, intercepts


if __name__ == "__main__":
    w, b = weights(sys.argv[1])
    print(f"K = {len(w)}, d = {len(w[0])}, non-zero weights {sum(1 for v in w for x in v if x != 0)}, "
          f"intercepts {b}")
